"""Selection speed: one batch of B = 50 from 100,000 unlabeled items (384-d) beside 1,000 labeled ones.

    .venv/bin/python bench/selection.py [--repeats 3]

Pure numpy on labeling/strategies.py (no Django). The items are random unit vectors and the probabilities a
softmax over 77 classes of random logits; the target (issue) is ≤ 2 s per batch for every strategy.
Human-readable lines go to stderr; one JSON line (median seconds per strategy, and each one's ratio to plain
entropy selection measured in the same run) goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from labeling.strategies import STRATEGIES, msal_greedy, select, uncertainty  # noqa: E402

N_POOL, N_LABELED, DIM, CLASSES, BATCH, ALPHA = 100_000, 1_000, 384, 77, 50, 0.5
TARGET_SECONDS = 2.0


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = N_POOL + N_LABELED
    X = rng.standard_normal((n, DIM), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    logits = 2.0 * rng.standard_normal((n, CLASSES))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=N_LABELED, replace=False)] = True
    return X, p, mask


def timed(fn, repeats: int) -> tuple[float, np.ndarray]:
    seconds, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per strategy; the median is reported")
    args = parser.parse_args()
    X, p, mask = data()
    print(f"pool {N_POOL:,} x {DIM} unit vectors + {N_LABELED:,} labeled, {CLASSES} classes, B = {BATCH}, "
          f"alpha = {ALPHA}, median of {args.repeats}; load average {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} cores", file=sys.stderr)
    seconds: dict[str, float] = {}
    for name in STRATEGIES:
        sec, picks = timed(lambda name=name: select(strategy=name, probabilities=p, embeddings=X, labeled_mask=mask,
                                                    batch_size=BATCH, alpha=ALPHA, seed=0), args.repeats)
        assert len(picks) == BATCH and len(set(picks.tolist())) == BATCH and not mask[picks].any()
        seconds[name] = round(sec, 4)
    u = uncertainty(p, measure="entropy")
    sec, unpruned = timed(lambda: msal_greedy(uncertainty=u, embeddings=X, labeled_mask=mask, batch_size=BATCH,
                                              alpha=ALPHA, block_rows=None), 1)
    plain = round(sec, 4)
    same = bool(np.array_equal(unpruned.picks, select(strategy="msal", probabilities=p, embeddings=X,
                                                      labeled_mask=mask, batch_size=BATCH, alpha=ALPHA)))
    base = seconds["entropy"]
    ratios = {name: round(sec / base, 1) for name, sec in seconds.items()}
    for name, sec in seconds.items():
        verdict = "PASS" if sec <= TARGET_SECONDS else "FAIL"
        print(f"  {name:22s} {sec:7.3f} s  ({ratios[name]:6.1f} x entropy top-B)  target <= {TARGET_SECONDS} s: "
              f"{verdict}", file=sys.stderr)
    print(f"  msal picks the same batch as the plain algorithm (every row updated after every pick, "
          f"{plain:.3f} s): {same}", file=sys.stderr)
    print(json.dumps({"pool": N_POOL, "labeled": N_LABELED, "dim": DIM, "classes": CLASSES, "batch": BATCH,
                      "alpha": ALPHA, "repeats": args.repeats, "seconds": seconds, "ratio_vs_entropy": ratios,
                      "msal_equals_plain": same, "plain_seconds": plain, "target_seconds": TARGET_SECONDS,
                      "pass": all(s <= TARGET_SECONDS for s in seconds.values()),
                      "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
