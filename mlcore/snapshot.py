"""Training-data snapshots (SPEC §6.2): a frozen, content-addressed list of rows stored as JSONL.

Sets: `train` (labels, and rows the product apps provide through mlcore.providers: feedback-weighted
auto answers), `replay` (older rows no longer in the data, kept against forgetting), `sentiment`,
`upset`, and `eval` (the held-out gold set, never trained on).
The id is a hash of the content, so the same data always gives the same snapshot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from mlcore.providers import text_key, training_rows_provided
from mlcore.selectors import (
    newcategories_held_back,
    trainingexample_category_rows,
    trainingexample_sentiment_set,
    trainingexample_upset_set,
)

TRUSTED_EVAL_SOURCES = ("gold", "agent")
EVAL_MIN = 30  # below this many held-out gold/agent labels, starter/import rows of the same bucket join


@dataclass
class Snapshot:
    rows: list[dict]
    snapshot_id: str = ""
    stats: dict = field(default_factory=dict)

    def of(self, *sets: str) -> list[dict]:
        return [r for r in self.rows if r["set"] in sets]


def eval_bucket(text: str, *, fraction: float) -> bool:
    """Deterministic held-out membership by hash of the normalised text (stable across runs)."""
    h = int.from_bytes(hashlib.sha256(text_key(text).encode()).digest()[:8], "big")
    return (h % 10_000) < fraction * 10_000


def replay_rows(*, previous: Snapshot | None, exclude: set[str], limit: int) -> list[dict]:
    """Rows of the previous snapshot no longer in the data (aged-out feedback, replaced labels),
    a deterministic sample of at most `limit`, so the new version does not forget them."""
    if previous is None or limit <= 0:
        return []
    old = [r for r in previous.of("train", "replay") if text_key(r["text"]) not in exclude]
    old.sort(key=lambda r: hashlib.sha256(r["text"].encode()).hexdigest())
    return [{**r, "set": "replay"} for r in old[:limit]]


def snapshot_build(*, previous: Snapshot | None = None) -> Snapshot:
    fraction = settings.SUPPORTLOOP_EVAL_FRACTION
    # A new category with too few gold labels would be a class the head barely knows: its labels wait.
    held_back = newcategories_held_back()
    labeled = [r for r in trainingexample_category_rows() if r[1] not in held_back]
    in_bucket = [r for r in labeled if eval_bucket(r[0], fraction=fraction)]
    held = [r for r in in_bucket if r[3] in TRUSTED_EVAL_SOURCES]
    if len(held) < EVAL_MIN:
        held = in_bucket
    held_keys = {text_key(r[0]) for r in held}
    rows = [{"set": "eval", "text": t, "category": c, "source": s} for t, c, _, s in held]
    train = [{"set": "train", "text": t, "category": c, "source": s, "weight": round(w, 4)}
             for t, c, w, s in labeled if text_key(t) not in held_keys]
    rows += train
    used = held_keys | {text_key(r["text"]) for r in train}
    feedback, poor = training_rows_provided(exclude=used)
    rows += feedback
    used |= {text_key(r["text"]) for r in feedback}
    replay = [r for r in replay_rows(previous=previous, exclude=used, limit=settings.SUPPORTLOOP_REPLAY_SIZE)
              if r.get("category") not in held_back]
    rows += replay
    rows += [{"set": "sentiment", "text": t, "sentiment": s} for t, s in trainingexample_sentiment_set()]
    rows += [{"set": "upset", "text": t, "upset": u} for t, u in trainingexample_upset_set()]
    snap = Snapshot(rows=rows)
    snap.snapshot_id = hashlib.sha256(snapshot_serialize(snap)).hexdigest()[:32]
    by_source: dict[str, int] = {}
    for r in train + feedback:
        by_source[r["source"]] = by_source.get(r["source"], 0) + 1
    snap.stats = {"train": len(train) + len(feedback), "eval": len(held), "replay": len(replay),
                  "feedback": len(feedback), "feedback_poor": poor, "sentiment": len(snap.of("sentiment")),
                  "upset": len(snap.of("upset")),
                  "by_source": by_source,
                  "eval_sources": sorted({r[3] for r in held}),
                  "held_back": held_back}
    return snap


def snapshot_serialize(snap: Snapshot) -> bytes:
    return "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in snap.rows).encode()


def snapshot_path(snapshot_id: str) -> str:
    return f"snapshots/{snapshot_id}.jsonl"


def snapshot_store(snap: Snapshot) -> str:
    """Content-addressed: an existing complete file is the same snapshot and is kept; one cut
    short by a killed worker does not hash to its name and is replaced."""
    store, path, data = storages["artifacts"], snapshot_path(snap.snapshot_id), snapshot_serialize(snap)
    if store.exists(path):
        with store.open(path, "rb") as fh:
            if fh.read() == data:
                return path
        store.delete(path)
    store.save(path, ContentFile(data))
    return path


def snapshot_load(path: str) -> Snapshot | None:
    store = storages["artifacts"]
    if not path or not store.exists(path):
        return None
    with store.open(path, "rb") as fh:
        rows = [json.loads(line) for line in fh.read().decode().splitlines() if line.strip()]
    return Snapshot(rows=rows, snapshot_id=path.rsplit("/", 1)[-1].split(".")[0])
