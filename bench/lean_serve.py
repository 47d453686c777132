"""The lean reference of bench/serve.py (issue #17): the leanest Django view doing only the model call.

No middleware, no apps, no database: one view that reads `{"text": ...}`, tokenizes it with `tokenizers`, runs
one ONNX Runtime session (1 thread) of MiniLM with every MatMul quantized dynamically to int8 per channel, and a
linear head (seeded weights: the cost is what is measured, not the answer). gunicorn with 2 sync workers
serves it, as the issue measured it. The product's full inquiry path is judged by its ratio to this, measured
in the same run.

    gunicorn bench.lean_serve:application -w 2 -b 127.0.0.1:PORT  (LEAN_ONNX=<model>; lean_model_path builds it)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from mlcore.encoder import encoder_onnx_path, encoder_weights_sha256, tokenize, tokenizer_load  # noqa: E402

CLASSES = 11  # as many as Bitext's categories
HEALTH_PATH = "/health/"
CLASSIFY_PATH = "/lean/classify/"


def lean_model_path(*, cache: Path) -> Path:
    """MiniLM with every MatMul int8 per channel (the product keeps the six FFN down-projections fp32),
    built once beside the product's exports in the cache dir."""
    target = cache / f"minilm-{encoder_weights_sha256()[:16]}-int8all.onnx"
    if target.exists():
        return target
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    source = encoder_onnx_path(quantized=False, directory=cache)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    logging.getLogger().setLevel(logging.WARNING)  # the quantizer logs every tensor at INFO
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
    os.replace(tmp, target)
    return target


def lean_start(*, port: int, cache: Path, workers: str, log_path: Path, env: dict[str, str]) -> subprocess.Popen:
    """gunicorn serving this module on 127.0.0.1:port, in its own session (a killpg stops it whole)."""
    env = {k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["LEAN_ONNX"] = str(lean_model_path(cache=cache))
    args = [sys.executable, "-m", "gunicorn", "bench.lean_serve:application", "-w", workers,
            "-b", f"127.0.0.1:{port}", "--no-control-socket"]
    with log_path.open("ab") as fh:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _application():
    import django
    import onnxruntime as ort
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.http import HttpResponse, JsonResponse
    from django.urls import path

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(os.environ["LEAN_ONNX"], options, providers=["CPUExecutionProvider"])
    tokenizer = tokenizer_load()
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((384, CLASSES)).astype(np.float32)
    bias = np.zeros(CLASSES, dtype=np.float32)

    def classify(request):
        try:
            text = json.loads(request.body)["text"]
            if not isinstance(text, str) or not text.strip():
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return JsonResponse({"error": "send {\"text\": \"...\"}"}, status=400)
        ids, mask = tokenize(tokenizer, [text])
        logits = session.run(None, {"input_ids": ids, "attention_mask": mask})[0] @ weights + bias
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        return JsonResponse({"category": int(p[0].argmax()), "confidence": round(float(p[0].max()), 4)})

    def health(request):
        return HttpResponse("ok")

    settings.configure(DEBUG=False, ALLOWED_HOSTS=["127.0.0.1"], MIDDLEWARE=[], INSTALLED_APPS=[], DATABASES={},
                       ROOT_URLCONF=__name__, USE_TZ=True,
                       SECRET_KEY="bench-lean-only")  # noqa: S106 (signs nothing: no sessions, no forms)
    django.setup()
    global urlpatterns
    urlpatterns = [path(CLASSIFY_PATH.strip("/") + "/", classify), path(HEALTH_PATH.strip("/") + "/", health)]
    return get_wsgi_application()


urlpatterns: list = []
application = _application() if os.environ.get("LEAN_ONNX") else None
