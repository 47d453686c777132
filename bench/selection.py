"""Selection speed and near-duplicates: one batch of B = 50 from 100,000 unlabeled items (384-d) beside 1,000
labeled ones, de-duplicated (labeling/dedup.py) as labelingbatch_create does.

    .venv/bin/python bench/selection.py [--repeats 3]
    .venv/bin/python bench/selection.py --measure-threshold   # the cosine of trivial variants vs other requests

Pure numpy on labeling/strategies.py and labeling/dedup.py (no Django). The items are random unit vectors and
the probabilities a softmax over 77 classes of random logits; 20% of the pool are near-duplicates of other
items (labeled or not): the item plus orthogonal noise, renormalised to cosine 0.97-0.99, with the same logits
plus a little noise, so an uncertainty strategy likes both. The targets (issue): ≤ 2 s per batch for every
strategy with the de-duplication included, and 0 near-duplicates picked (picks at cosine >= the threshold to
an earlier pick or to a labeled item). Human-readable lines go to stderr; one JSON line (median seconds per
strategy, each one's ratio to plain entropy selection measured in the same run, near-duplicates picked with
and without the de-duplication) goes to stdout.

--measure-threshold embeds Banking77 and Bitext texts (../shared/data) with the served int8 MiniLM encoder
(offline; cached under var/cache) and prints the cosine of trivial variants (numbers, typos, casing,
punctuation, "burst 4 …" vs "burst 5 …") beside that of each text's nearest different request of the same
intent and of another intent; labeling/dedup.py's docstring holds the figures.
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

from labeling.dedup import DEFAULT_THRESHOLD, batch_distinct, near_duplicates_count  # noqa: E402
from labeling.strategies import STRATEGIES, msal_greedy, select, uncertainty  # noqa: E402

N_POOL, N_LABELED, DIM, CLASSES, BATCH, ALPHA = 100_000, 1_000, 384, 77, 50, 0.5
DUPLICATE_SHARE, DUPLICATE_COSINE = 0.2, (0.97, 0.99)
TARGET_SECONDS = 2.0


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = N_POOL + N_LABELED
    X = rng.standard_normal((n, DIM), dtype=np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    logits = 2.0 * rng.standard_normal((n, CLASSES))
    mask = np.zeros(n, dtype=bool)
    mask[rng.choice(n, size=N_LABELED, replace=False)] = True
    pool = np.flatnonzero(~mask)
    dups = rng.choice(pool, size=int(DUPLICATE_SHARE * N_POOL), replace=False)
    originals = np.setdiff1d(np.arange(n), dups)
    src = rng.choice(originals, size=len(dups))
    noise = rng.standard_normal((len(dups), DIM)).astype(np.float32)
    noise -= (noise * X[src]).sum(axis=1, keepdims=True) * X[src]  # orthogonal to the original
    cos = rng.uniform(*DUPLICATE_COSINE, size=len(dups))
    noise *= (np.sqrt(1 / cos**2 - 1) / np.linalg.norm(noise, axis=1))[:, None]
    X[dups] = X[src] + noise
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    logits[dups] = logits[src] + 0.05 * rng.standard_normal((len(dups), CLASSES))
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return X, p, mask


def batch(*, name: str, X: np.ndarray, p: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """What labelingbatch_create does: the strategy (over-asked if need be), de-duplicated; the rest of the pool
    by margin as the fallback."""
    pool = np.flatnonzero(~mask)
    return batch_distinct(
        pick=lambda n: select(strategy=name, probabilities=p, embeddings=X, labeled_mask=mask, batch_size=n,
                              alpha=ALPHA, seed=0),
        embeddings=X, references=X[mask], batch_size=BATCH, threshold=DEFAULT_THRESHOLD,
        fallback=lambda: pool[np.argsort(-uncertainty(p[pool], measure="margin"), kind="stable")])


def timed(fn, repeats: int) -> tuple[float, np.ndarray]:
    seconds, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - start)
    return float(np.median(seconds)), out


DATA = Path(os.environ.get("SUPPORTLOOP_DATA_DIR", ROOT.parent / "shared" / "data"))
CACHE = Path(os.environ.get("SUPPORTLOOP_CACHE_DIR", ROOT / "var" / "cache"))
THRESHOLDS = (0.90, 0.93, 0.95, 0.97)


def _typo(text: str, rng: np.random.Generator) -> str:
    """Two neighbouring letters swapped in one word of four letters or more."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text + "e"
    i = int(rng.choice(long))
    j = int(rng.integers(0, len(words[i]) - 1))
    w = words[i]
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _variants(text: str, rng: np.random.Generator) -> dict[str, tuple[str, str]]:
    import re

    renumbered = re.sub(r"\d", lambda _: str(int(rng.integers(0, 10))), text)
    if renumbered == text:  # no number: the same text with two different order numbers
        text_n, renumbered = (f"{text} order {int(rng.integers(10000, 99999))}" for _ in range(2))
    else:
        text_n = text
    return {
        "numbers": (text_n, renumbered),
        "typo": (text, _typo(text, rng)),
        "casing": (text, text.lower() if text != text.lower() else text.upper()),
        "punctuation": (text, re.sub(r"[?.!,]+", "", text) if re.search(r"[?.!,]", text) else text + "?"),
        "burst": (f"burst 4 {text}", f"burst 5 {text}"),
    }


def measure_threshold(*, n_texts: int = 3000, n_variants: int = 300, seed: int = 0) -> None:
    import csv

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from labeling.dedup import text_key
    from mlcore import encoder

    rng = np.random.default_rng(seed)
    session = encoder.EncoderSession(path=encoder.encoder_onnx_path(quantized=True, directory=CACHE), threads=2)
    report: dict[str, dict] = {}
    sources = (("banking77", "banking77/train.csv", "category"), ("bitext", "bitext/train.csv", "intent"))
    for name, file, label in sources:
        with open(DATA / file, newline="", encoding="utf-8") as fh:
            rows = list({r["text"].strip(): r[label].strip().lower() for r in csv.DictReader(fh)}.items())
        rows = [rows[i] for i in rng.choice(len(rows), size=min(n_texts, len(rows)), replace=False)]
        texts, labels = [t for t, _ in rows], np.array([v for _, v in rows])
        X = session.embed(texts)
        pairs: dict[str, list[tuple[str, str]]] = {}
        for text in texts[:n_variants]:
            for kind, pair in _variants(text, rng).items():
                if pair[0] != pair[1]:
                    pairs.setdefault(kind, []).append(pair)
        flat = sorted({t for ps in pairs.values() for pair in ps for t in pair})
        E = dict(zip(flat, session.embed(flat), strict=True))
        variants = {kind: np.array([float(E[a] @ E[b]) for a, b in ps]) for kind, ps in pairs.items()}
        every = np.concatenate(list(variants.values()))
        keyed = np.array([text_key(a) == text_key(b) for ps in pairs.values() for a, b in ps])  # same order
        gram = X @ X.T
        keys = np.array([text_key(t) for t in texts])
        trivial = keys[:, None] == keys[None, :]  # already trivial variants of each other in the data
        same = labels[:, None] == labels[None, :]
        nearest_same = np.where(same & ~trivial, gram, -np.inf).max(axis=1)  # a different request, same intent
        nearest_other = np.where(~same, gram, -np.inf).max(axis=1)
        report[name] = {
            "texts": len(texts),
            "variants": {kind: {"n": len(v), "p5": round(float(np.percentile(v, 5)), 3),
                                "median": round(float(np.median(v)), 3),
                                **{f">={t}": round(float((v >= t).mean()), 3) for t in THRESHOLDS}}
                         for kind, v in variants.items()},
            "variants_caught": {str(t): round(float((every >= t).mean()), 3) for t in THRESHOLDS},
            "variants_caught_with_text_key": {str(t): round(float(((every >= t) | keyed).mean()), 3)
                                              for t in THRESHOLDS},
            "different_request_same_intent_above": {str(t): round(float((nearest_same >= t).mean()), 3)
                                                    for t in THRESHOLDS},
            "other_intent_above": {str(t): round(float((nearest_other >= t).mean()), 4) for t in THRESHOLDS},
            "nearest_different_request_median": round(float(np.median(nearest_same)), 3),
        }
        print(f"{name}: {len(texts)} texts, variants of {n_variants}", file=sys.stderr)
        for kind, v in variants.items():
            print(f"  {kind:12s} cosine p5 {np.percentile(v, 5):.3f} median {np.median(v):.3f}  "
                  + "  ".join(f">={t}: {(v >= t).mean():5.1%}" for t in THRESHOLDS), file=sys.stderr)
        for t in THRESHOLDS:
            print(f"  at {t}: variants caught {(every >= t).mean():5.1%} (with the text key "
                  f"{((every >= t) | keyed).mean():5.1%}); texts with a different same-intent "
                  f"request at or above {(nearest_same >= t).mean():5.1%}; with another intent's text "
                  f"{(nearest_other >= t).mean():5.2%}", file=sys.stderr)
    print(json.dumps({"seed": seed, "measure": "threshold", **report}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per strategy; the median is reported")
    parser.add_argument("--measure-threshold", action="store_true",
                        help="measure the cosine of trivial variants and of different requests instead")
    args = parser.parse_args()
    if args.measure_threshold:
        return measure_threshold()
    X, p, mask = data()
    print(f"pool {N_POOL:,} x {DIM} unit vectors ({DUPLICATE_SHARE:.0%} near-duplicates at cosine "
          f"{DUPLICATE_COSINE[0]}-{DUPLICATE_COSINE[1]}) + {N_LABELED:,} labeled, {CLASSES} classes, B = {BATCH}, "
          f"alpha = {ALPHA}, threshold {DEFAULT_THRESHOLD}, median of {args.repeats}; load average "
          f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", file=sys.stderr)
    seconds: dict[str, float] = {}
    strategy_seconds: dict[str, float] = {}
    picked: dict[str, int] = {}
    picked_without: dict[str, int] = {}
    for name in STRATEGIES:
        sec, plain_picks = timed(lambda name=name: select(strategy=name, probabilities=p, embeddings=X,
                                                          labeled_mask=mask, batch_size=BATCH, alpha=ALPHA, seed=0), 1)
        strategy_seconds[name] = round(sec, 4)
        picked_without[name] = near_duplicates_count(picks=plain_picks, embeddings=X, references=X[mask])
        sec, picks = timed(lambda name=name: batch(name=name, X=X, p=p, mask=mask), args.repeats)
        assert len(picks) == BATCH and len(set(picks.tolist())) == BATCH and not mask[picks].any()
        seconds[name] = round(sec, 4)
        picked[name] = near_duplicates_count(picks=picks, embeddings=X, references=X[mask])
    u = uncertainty(p, measure="entropy")
    sec, unpruned = timed(lambda: msal_greedy(uncertainty=u, embeddings=X, labeled_mask=mask, batch_size=BATCH,
                                              alpha=ALPHA, block_rows=None), 1)
    plain = round(sec, 4)
    same = bool(np.array_equal(unpruned.picks, select(strategy="msal", probabilities=p, embeddings=X,
                                                      labeled_mask=mask, batch_size=BATCH, alpha=ALPHA)))
    base = seconds["entropy"]
    ratios = {name: round(sec / base, 1) for name, sec in seconds.items()}
    print(f"  {'strategy':22s} {'de-dup':>9s} {'alone':>9s}  {'x entropy':>9s}  near-duplicates picked "
          f"(without de-dup)  target <= {TARGET_SECONDS} s and 0", file=sys.stderr)
    for name, sec in seconds.items():
        verdict = "PASS" if sec <= TARGET_SECONDS and picked[name] == 0 else "FAIL"
        print(f"  {name:22s} {sec:7.3f} s {strategy_seconds[name]:7.3f} s  {ratios[name]:9.1f}  "
              f"{picked[name]:22d} ({picked_without[name]:2d})  {verdict}", file=sys.stderr)
    print(f"  msal picks the same batch as the plain algorithm (every row updated after every pick, "
          f"{plain:.3f} s): {same}", file=sys.stderr)
    print(json.dumps({"pool": N_POOL, "labeled": N_LABELED, "dim": DIM, "classes": CLASSES, "batch": BATCH,
                      "alpha": ALPHA, "repeats": args.repeats, "duplicate_share": DUPLICATE_SHARE,
                      "threshold": DEFAULT_THRESHOLD, "seconds": seconds, "strategy_seconds": strategy_seconds,
                      "ratio_vs_entropy": ratios, "near_duplicates_picked": picked,
                      "near_duplicates_without_dedup": picked_without,
                      "msal_equals_plain": same, "plain_seconds": plain, "target_seconds": TARGET_SECONDS,
                      "pass": all(s <= TARGET_SECONDS for s in seconds.values()) and not any(picked.values()),
                      "load_average": round(os.getloadavg()[0], 2)}))


if __name__ == "__main__":
    main()
