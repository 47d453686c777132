"""Topic clustering speed (SPEC §4.4): 10,000 short texts from ../shared/data (tweets and support
inquiries, read at run time) embedded with the project's encoder, then UMAP → HDBSCAN → c-TF-IDF.
Prints readable lines and a JSON line. Target (issue): 10,000 comments clustered in <= 60 s; the
clustering job uses the embeddings stored when each comment was submitted, so the target applies
to cluster_s (embed_s, the one-off cost spread over submissions, is shown beside it)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def texts_load(*, n: int) -> list[str]:
    texts: list[str] = []
    for path in (DATA / "sentiment" / "train.csv", DATA / "bitext" / "train.csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            texts += [row["text"] for row in csv.DictReader(fh)]
    return texts[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    args = parser.parse_args()
    from feedback.clustering import topics_cluster
    from mlcore.encoder import EncoderSession, encoder_onnx_path

    texts = texts_load(n=args.n)
    session = EncoderSession(path=encoder_onnx_path(directory=Path(os.environ.get("SUPPORTLOOP_CACHE_DIR",
                                                                                   ROOT / "var" / "cache"))),
                             threads=2)
    t0 = time.perf_counter()
    emb = session.embed(texts)
    embed_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = topics_cluster(embeddings=emb, texts=texts, sentiments=np.zeros(len(texts)))
    cluster_s = time.perf_counter() - t1
    for topic in result.topics[:10]:
        print(f"topic {topic.label:>3} size {topic.size:>5}: {', '.join(topic.keywords[:5])}", file=sys.stderr)
    out = {"bench": "clusters", "texts": len(texts), "embed_s": round(embed_s, 1), "cluster_s": round(cluster_s, 1),
           "total_s": round(embed_s + cluster_s, 1), "topics": len(result.topics), "noise": result.n_noise,
           "target_s": 60, "pass": cluster_s <= 60, "loadavg": [round(x, 2) for x in os.getloadavg()]}
    print(json.dumps(out))
    return 0 if out["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
