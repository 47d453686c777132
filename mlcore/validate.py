"""Validate a bundle in a fresh process: `python -m mlcore.validate DIR` prints one JSON line.

Run apart from the trainer so that a crashing or hanging candidate cannot take a worker or a
web process with it; a crash of this process is itself a rejection.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from mlcore.runtime import BundleError, Predictor

GOLDEN_ATOL = 2e-3


def golden_disagreement(*, probs: np.ndarray, expected: np.ndarray, atol: float = GOLDEN_ATOL) -> str:
    """Why the bundle's answers on the golden texts differ from the trainer's, or "" when they agree.

    A different top class counts only where the trainer's own top two are further apart than the
    tolerance: on a near-tie, float rounding between the trainer and the ONNX graph may pick either."""
    if expected.shape != probs.shape:
        return f"golden shape {expected.shape} != output {probs.shape}"
    if not len(expected):
        return ""
    if np.abs(probs - expected).max() > atol:
        return "predictions differ from the trainer's on the golden set"
    picked = probs.argmax(1)
    gap = expected.max(1) - expected[np.arange(len(expected)), picked]
    if (gap > atol).any():
        return "answers differ from the trainer's on the golden set"
    return ""


def bundle_check(directory: Path) -> dict:
    try:
        predictor = Predictor(directory=directory, threads=1)
        golden = predictor.manifest.golden
        texts = golden["texts"]
        expected = np.asarray(golden["probabilities"], dtype=np.float32)
        if not texts:
            return {"ok": False, "reason": "no golden set"}
        probs, emb, sent = predictor.run(texts)
    except BundleError as exc:
        return {"ok": False, "reason": str(exc)}
    if not (np.isfinite(probs).all() and np.isfinite(emb).all() and np.isfinite(sent).all()):
        return {"ok": False, "reason": "non-finite outputs"}
    if reason := golden_disagreement(probs=probs, expected=expected):
        return {"ok": False, "reason": reason}
    norms = np.linalg.norm(emb, axis=1)
    if np.abs(norms - 1).max() > 1e-3:
        return {"ok": False, "reason": "embeddings are not unit length"}
    if (np.abs(sent) > 1 + 1e-5).any():
        return {"ok": False, "reason": "sentiment outside [-1, 1]"}
    return {"ok": True, "reason": "", "golden": len(texts)}


def bundle_validate_subprocess(*, directory: Path, timeout: float = 120.0) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mlcore.validate", str(directory)],
            capture_output=True, text=True, timeout=timeout, cwd=Path(__file__).resolve().parent.parent,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"validator timed out after {timeout:.0f}s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"ok": False, "reason": f"validator crashed (exit {proc.returncode}): {proc.stderr[-300:]}"}
    return json.loads(lines[-1])


if __name__ == "__main__":
    result = bundle_check(Path(sys.argv[1]))
    print(json.dumps(result))
    sys.exit(0)
