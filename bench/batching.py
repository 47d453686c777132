"""Micro-batching of concurrent model calls (mlcore/batching.py): what it gains, and what it does to decisions.

    .venv/bin/python bench/batching.py [--bundle DIR] [--threads 8] [--texts 800] [--batch 8]

One bundle (default: the newest under $SUPPORTLOOP_VAR_DIR/artifacts/bundles, which `make run` trains on its
first start), loaded twice in this process: with batching (at most --batch calls per run) and without. Each
serves the same Bitext texts (the model is compared only with itself, so no split is needed) from
--threads threads, in A B B A rounds; then every text is scored alone and inside batches of
--batch, and the decisions compared: the category, and the low-confidence escalation (the bundle's confidence
and margin thresholds). The model's int8 encoder quantizes activations per batch, so a text's scores depend
on its batch companions; batching may only be switched on (SUPPORTLOOP_BATCH_MAX > 1) once no decision
does. Table to stderr, one JSON line to stdout; exit 1 unless batching gains and no decision changes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from mlcore.runtime import Predictor  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bitext" / "train.csv"


def log(msg: str) -> None:
    print(f"[bench/batching] {msg}", file=sys.stderr, flush=True)


def bundle_default() -> Path | None:
    var = Path(os.environ.get("SUPPORTLOOP_VAR_DIR", ROOT / "var"))
    bundles = sorted((var / "artifacts" / "bundles").glob("*/model.onnx"), key=lambda p: p.stat().st_mtime)
    return bundles[-1].parent if bundles else None


def throughput(*, predictor: Predictor, texts: list[str], threads: int) -> float:
    """Texts per second with `threads` callers of predictor.predict splitting the texts."""
    shares = [texts[i::threads] for i in range(threads)]
    barrier = threading.Barrier(threads + 1)

    def caller(share: list[str]) -> None:
        barrier.wait()
        for text in share:
            predictor.predict(text)

    workers = [threading.Thread(target=caller, args=(share,)) for share in shares]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    return len(texts) / (time.perf_counter() - start)


def decisions(*, probabilities: np.ndarray, thresholds: dict) -> tuple[np.ndarray, np.ndarray]:
    top2 = np.sort(probabilities, axis=1)[:, ::-1][:, :2]
    low = (top2[:, 0] < thresholds.get("confidence", 0.0)) | (top2[:, 0] - top2[:, 1] < thresholds.get("margin", 0.0))
    return probabilities.argmax(1), low


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=bundle_default())
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--texts", type=int, default=800)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    if args.bundle is None or not (args.bundle / "model.onnx").exists() or not args.data.exists():
        log("needs a model bundle (start `make run` once, or --bundle DIR) and ../shared/data/bitext")
        return 2
    rows = list(csv.DictReader(args.data.open(encoding="utf-8")))
    texts = [row["text"] for row in random.Random(0).sample(rows, min(args.texts, len(rows)))]
    batched = Predictor(directory=args.bundle, verify_sha=False, batch_max=args.batch)
    alone = Predictor(directory=args.bundle, verify_sha=False, batch_max=1)
    for predictor in (batched, alone):
        throughput(predictor=predictor, texts=texts[:50], threads=args.threads)  # warm-up
    rates: dict[str, list[float]] = {"batched": [], "unbatched": []}
    for _ in range(args.rounds):
        for name, predictor in (("batched", batched), ("unbatched", alone), ("unbatched", alone), ("batched", batched)):
            rates[name].append(throughput(predictor=predictor, texts=texts, threads=args.threads))
    calls, runs = batched.batcher.calls, batched.batcher.batches
    thresholds = batched.manifest.thresholds
    lone = np.stack([alone.run([text])[0][0] for text in texts])
    grouped = np.concatenate([alone.run(texts[i : i + args.batch])[0] for i in range(0, len(texts), args.batch)])
    (cat_a, low_a), (cat_b, low_b) = (decisions(probabilities=p, thresholds=thresholds) for p in (lone, grouped))
    shift = np.abs(lone.max(1) - grouped.max(1))
    result = {
        "batched_tps": round(float(np.median(rates["batched"])), 1),
        "unbatched_tps": round(float(np.median(rates["unbatched"])), 1),
        "mean_batch": round(calls / max(runs, 1), 2),
        "category_changed": int((cat_a != cat_b).sum()), "escalation_changed": int((low_a != low_b).sum()),
        "confidence_shift_p99": round(float(np.percentile(shift, 99)), 4),
        "confidence_shift_max": round(float(shift.max()), 4),
    }
    result["ratio"] = round(result["batched_tps"] / result["unbatched_tps"], 2)
    print(f"{'':28s}{'texts/s':>10s}", file=sys.stderr)
    label = f"batched (max {args.batch})"
    print(f"{label:28s}{result['batched_tps']:>10.1f}  mean batch {result['mean_batch']}", file=sys.stderr)
    print(f"{'unbatched':28s}{result['unbatched_tps']:>10.1f}  ratio {result['ratio']}", file=sys.stderr)
    print(f"{len(texts)} texts alone vs in batches of {args.batch}: category changed {result['category_changed']}, "
          f"low-confidence escalation changed {result['escalation_changed']}, confidence shift p99 "
          f"{result['confidence_shift_p99']} max {result['confidence_shift_max']}", file=sys.stderr)
    summary = {"bench": "batching", "threads": args.threads, "texts": len(texts), "batch": args.batch,
               "bundle": args.bundle.name, "cpu_count": os.cpu_count(), **result,
               "pass": result["ratio"] > 1.0 and result["category_changed"] == result["escalation_changed"] == 0}
    print(json.dumps(summary), flush=True)
    return 0 if summary["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
