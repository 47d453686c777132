"""Topic quality (SPEC §4.4, issue #15): labelled short texts embedded with the project's encoder, clustered
exactly as the product does (feedback.clustering.topics_cluster), scored against the true labels.

    .venv/bin/python bench/topics.py --data ../shared/data/banking77/train.csv --text-col text --label-col category
    .venv/bin/python bench/topics.py --data ../shared/data/clinc150/data.json --split val

--data is a CSV (columns named by --text-col / --label-col) or a JSON file of {split: [[text, label], ...]}
(CLINC150's data.json; --split picks the list). Read at run time, never copied.

Figures, for the whole file and as means over --seeds small samples (--sample-intents labels drawn at random,
--per-intent texts of each):
- nmi, ari: against the true labels over all texts, the unclustered rest counted as one more cluster (so
  leaving texts out costs score); nmi_clustered: over the clustered texts only.
- unclustered: share of texts left as noise; topics: number of topics the product chose by itself.
- seconds: clustering time only (PCA, UMAP, HDBSCAN, keywords, map), as in the product, where embeddings are
  stored when each text arrives; embed_seconds beside it (0 when read from the cache). seconds is a second,
  identical run in the same process, as a running worker sees it; cold_seconds the first run, which also pays
  numba's one-off compilation of UMAP (20-40 s on this machine, once per worker process). The small samples
  are timed after an untimed warm-up sample.
- reference_nmi: k-means told the true number of labels (sklearn, k-means++, n_init=10) on the same
  embeddings; the targets are nmi >= reference_nmi, unclustered <= 0.2, seconds <= 60 for 10,000 texts.

Embeddings are cached under var/cache/bench (gitignored), keyed by encoder file and texts. The encoder is
the int8 export in SUPPORTLOOP_CACHE_DIR (default var/cache); if it is missing the bench says how to make
it, or makes it with --export. Readable lines go to stderr, one JSON line of results to stdout.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

CACHE = Path(os.environ.get("SUPPORTLOOP_CACHE_DIR", ROOT / "var" / "cache"))
EXPORT_HINT = (
    "the encoder is not exported yet at {path}. Make it once with `make run` (bootstrap exports it), or with\n"
    "  .venv/bin/python -c \"from pathlib import Path; from mlcore.encoder import encoder_onnx_path; "
    "encoder_onnx_path(directory=Path('{cache}'))\"\n"
    "or rerun this bench with --export (about half a minute)."
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def rows_load(*, data: Path, text_col: str, label_col: str, split: str) -> tuple[list[str], list[str]]:
    if data.suffix.lower() == ".json":
        with open(data, encoding="utf-8") as fh:
            doc = json.load(fh)
        if split not in doc:
            raise SystemExit(f"{data}: no split {split!r}; it has {', '.join(sorted(doc))}")
        pairs = [(str(t), str(lab)) for t, lab in doc[split]]
    else:
        with open(data, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {text_col, label_col} - set(reader.fieldnames or [])
            if missing:
                raise SystemExit(f"{data}: no column {', '.join(sorted(missing))}; it has {reader.fieldnames}")
            pairs = [(r[text_col], r[label_col]) for r in reader if r[text_col].strip()]
    if not pairs:
        raise SystemExit(f"{data}: no rows")
    return [t for t, _ in pairs], [lab for _, lab in pairs]


def encoder_path(*, export: bool) -> Path:
    from mlcore.encoder import encoder_onnx_path, encoder_weights_sha256

    # The name encoder_onnx_path gives its int8 export; checked first because that function exports when missing.
    expected = CACHE / f"minilm-{encoder_weights_sha256()[:16]}-int8ffn32.onnx"
    if not expected.exists() and not export:
        raise SystemExit(EXPORT_HINT.format(path=expected, cache=CACHE))
    return encoder_onnx_path(quantized=True, directory=CACHE)


def embeddings_load(*, texts: list[str], export: bool) -> tuple[np.ndarray, float]:
    from mlcore.encoder import EncoderSession

    path = encoder_path(export=export)
    stat = path.stat()  # the encoder file's identity: a re-export misses the cache
    key = hashlib.sha256("\n".join([path.name, str(stat.st_size), str(stat.st_mtime_ns), *texts]).encode())
    target = CACHE / "bench" / f"topics-emb-{key.hexdigest()[:20]}.npy"
    if target.exists():
        log(f"embeddings from cache {target}")
        return np.load(target), 0.0
    start = time.perf_counter()
    emb = EncoderSession(path=path, threads=2).embed(texts)
    seconds = time.perf_counter() - start
    log(f"embedded {len(texts)} texts in {seconds:.1f} s (cached at {target})")
    target.parent.mkdir(parents=True, exist_ok=True)
    np.save(target, emb)
    return emb, seconds


def kmeans_nmi(*, emb: np.ndarray, truth: np.ndarray, seed: int) -> float:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    k = len(np.unique(truth))
    pred = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(emb)
    return float(normalized_mutual_info_score(truth, pred))


def evaluate(*, emb: np.ndarray, texts: list[str], truth: np.ndarray, seed: int) -> tuple[dict, object]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from feedback.clustering import NOISE, topics_cluster

    start = time.perf_counter()
    result = topics_cluster(embeddings=emb, texts=texts, seed=seed)
    seconds = time.perf_counter() - start
    clustered = result.labels != NOISE
    nmi_clustered = (float(normalized_mutual_info_score(truth[clustered], result.labels[clustered]))
                     if clustered.any() else 0.0)
    figures = {
        "texts": len(texts),
        "nmi": float(normalized_mutual_info_score(truth, result.labels)),
        "ari": float(adjusted_rand_score(truth, result.labels)),
        "nmi_clustered": nmi_clustered,
        "unclustered": float(1 - clustered.mean()),
        "topics": len(result.topics),
        "true_labels": len(np.unique(truth)),
        "seconds": seconds,
        "reference_nmi": kmeans_nmi(emb=emb, truth=truth, seed=seed),
        "min_cluster_size": result.params.get("min_cluster_size"),
    }
    return figures, result


def samples_evaluate(*, emb: np.ndarray, texts: list[str], truth: np.ndarray, intents: int, per_intent: int,
                     seeds: int) -> tuple[dict, list[dict]]:
    from feedback.clustering import topics_cluster

    warm = np.random.default_rng(999).permutation(len(texts))[:intents * per_intent]
    topics_cluster(embeddings=emb[warm], texts=[texts[i] for i in warm])  # compiles the small-corpus code path
    runs = []
    for seed in range(seeds):
        rng = np.random.default_rng(1000 + seed)
        eligible = [c for c in np.unique(truth) if (truth == c).sum() >= per_intent]
        chosen = rng.choice(eligible, size=min(intents, len(eligible)), replace=False)
        idx = np.concatenate([rng.choice(np.flatnonzero(truth == c), size=per_intent, replace=False)
                              for c in chosen])
        figures, _ = evaluate(emb=emb[idx], texts=[texts[i] for i in idx], truth=truth[idx], seed=seed)
        runs.append(figures)
    keys = ("nmi", "ari", "nmi_clustered", "unclustered", "topics", "seconds", "reference_nmi")
    mean = {k: float(np.mean([r[k] for r in runs])) for k in keys}
    mean.update({"texts": runs[0]["texts"], "samples": seeds, "intents": int(min(intents, len(np.unique(truth)))),
                 "per_intent": per_intent, "nmi_min": float(min(r["nmi"] for r in runs)),
                 "nmi_max": float(max(r["nmi"] for r in runs)),
                 "reference_nmi_min": float(min(r["reference_nmi"] for r in runs)),
                 "reference_nmi_max": float(max(r["reference_nmi"] for r in runs))})
    return mean, runs


def rounded(figures: dict) -> dict:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="category")
    parser.add_argument("--split", default="train", help="for a JSON --data: which list (train, val, ...)")
    parser.add_argument("--sample-intents", type=int, default=20)
    parser.add_argument("--per-intent", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--subset", type=int, default=0,
                        help="use a random N texts of the file (stratified) as 'the whole file', e.g. to mimic a "
                             "held-out split's size; the small samples are drawn from the same N")
    parser.add_argument("--skip-whole", action="store_true", help="only the small samples (quick iteration)")
    parser.add_argument("--export", action="store_true", help="export the encoder first if it is missing")
    args = parser.parse_args()

    texts, labels = rows_load(data=args.data, text_col=args.text_col, label_col=args.label_col, split=args.split)
    if 0 < args.subset < len(texts):
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(texts)), train_size=args.subset, random_state=0, stratify=labels)
        keep = np.sort(keep)
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    codes = {lab: i for i, lab in enumerate(sorted(set(labels)))}
    truth = np.array([codes[lab] for lab in labels])
    log(f"{args.data} ({args.split if args.data.suffix.lower() == '.json' else 'csv'}): "
        f"{len(texts)} texts, {len(codes)} labels")
    emb, embed_seconds = embeddings_load(texts=texts, export=args.export)

    from feedback.clustering import topic_name

    out: dict = {"bench": "topics", "data": str(args.data), "split": args.split, "subset": args.subset or None,
                 "embed_seconds": round(embed_seconds, 1)}
    if not args.skip_whole:
        whole, result = evaluate(emb=emb, texts=texts, truth=truth, seed=0)
        from feedback.clustering import topics_cluster

        start = time.perf_counter()
        again = topics_cluster(embeddings=emb, texts=texts, seed=0)
        whole["cold_seconds"], whole["seconds"] = whole["seconds"], time.perf_counter() - start
        assert (again.labels == result.labels).all(), "topics_cluster is not deterministic for a fixed seed"
        out.update(rounded(whole))
        log(f"\n{'size':>6}  {'top label (share)':<34} name")
        for topic in result.topics:
            members = truth[result.labels == topic.label]
            top = np.bincount(members).argmax()
            label = sorted(codes)[top]
            log(f"{topic.size:>6}  {label[:26]:<26} ({(members == top).mean():.0%})  {topic_name(topic.keywords)}")
        log(f"\nwhole file: {whole['texts']} texts, {whole['topics']} topics (true {whole['true_labels']}), "
            f"min_cluster_size {whole['min_cluster_size']}, NMI {whole['nmi']:.3f} (clustered only "
            f"{whole['nmi_clustered']:.3f}) vs k-means true k {whole['reference_nmi']:.3f}, ARI {whole['ari']:.3f}, "
            f"unclustered {whole['unclustered']:.1%}, clustering {whole['seconds']:.1f} s (first run in the process "
            f"{whole['cold_seconds']:.1f} s), embedding "
            f"{embed_seconds:.1f} s")
    small, runs = samples_evaluate(emb=emb, texts=texts, truth=truth, intents=args.sample_intents,
                                   per_intent=args.per_intent, seeds=args.seeds)
    log(f"\n{'sample':>6} {'texts':>6} {'topics':>6} {'NMI':>6} {'k-means':>7} {'ARI':>6} {'noise':>6} {'s':>5}")
    for i, r in enumerate(runs):
        log(f"{i:>6} {r['texts']:>6} {r['topics']:>6} {r['nmi']:>6.3f} {r['reference_nmi']:>7.3f} {r['ari']:>6.3f} "
            f"{r['unclustered']:>6.1%} {r['seconds']:>5.1f}")
    out["small"] = rounded(small)
    targets = {"nmi": out.get("nmi", 1.0) >= out.get("reference_nmi", 0.0) and small["nmi"] >= small["reference_nmi"],
               "unclustered": out.get("unclustered", 0.0) <= 0.2 and small["unclustered"] <= 0.2,
               "seconds": out.get("seconds", 0.0) <= 60 * max(1.0, out.get("texts", 0) / 10_000)}
    out["targets_met"] = targets
    out["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
