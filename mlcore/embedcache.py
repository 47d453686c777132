"""Embeddings of training texts, cached on disk per encoder so a retrain embeds only new texts.

One SQLite file beside the exported encoder (keyed by the encoder's weights), shared by the
processes of this machine; SQLite's own locking makes concurrent writers safe.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np

from mlcore import encoder

BATCH = 256


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _connect() -> sqlite3.Connection:
    path = Path(encoder.cache_dir()) / f"embeddings-{encoder.encoder_weights_sha256()[:16]}.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=60)
    conn.execute("CREATE TABLE IF NOT EXISTS emb (k TEXT PRIMARY KEY, v BLOB NOT NULL)")
    return conn


def embeddings_cached(texts: list[str], *, on_batch=None) -> np.ndarray:
    """Embeddings of `texts` (unit rows), computing and storing only those not yet cached.

    `on_batch(done, total)` is called after each batch of new texts (a heartbeat for long runs)."""
    out = np.zeros((len(texts), encoder.EMBED_DIM), dtype=np.float32)
    keys = [_key(t) for t in texts]
    conn = _connect()
    try:
        found: dict[str, bytes] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(conn.execute(f"SELECT k, v FROM emb WHERE k IN ({marks})", chunk).fetchall())  # noqa: S608
        missing = sorted({k: i for i, k in enumerate(keys) if k not in found}.items())
        session = encoder.encoder_session() if missing else None
        for start in range(0, len(missing), BATCH):
            batch = missing[start:start + BATCH]
            vectors = session.embed([texts[i] for _, i in batch])
            rows = [(k, v.astype(np.float32).tobytes()) for (k, _), v in zip(batch, vectors, strict=True)]
            with conn:
                conn.executemany("INSERT OR REPLACE INTO emb (k, v) VALUES (?, ?)", rows)
            found.update(rows)
            if on_batch is not None:
                on_batch(start + len(batch), len(missing))
    finally:
        conn.close()
    for i, k in enumerate(keys):
        out[i] = np.frombuffer(found[k], dtype=np.float32)
    return out
