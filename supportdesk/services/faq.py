from __future__ import annotations

import numpy as np

from mlcore import encoder
from mlcore.starter import starter_faq
from supportdesk.models import FAQEntry


def faq_entry_embed(*, entry: FAQEntry) -> FAQEntry:
    vector = encoder.encoder_session().embed([f"{entry.question}\n{entry.answer}"])[0]
    entry.embedding = vector.astype(np.float32).tobytes()
    entry.embedding_key = encoder.encoder_weights_sha256()[:16]
    entry.save(update_fields=["embedding", "embedding_key", "updated_at"])
    return entry


def faq_starter_load() -> int:
    """Load the shipped FAQ when there is none; embed every entry that lacks a current embedding."""
    created = 0
    if not FAQEntry.objects.exists():
        FAQEntry.objects.bulk_create(
            [FAQEntry(category=r["category"], question=r["question"], answer=r["answer"]) for r in starter_faq()]
        )
        created = FAQEntry.objects.count()
    faq_embeddings_refresh()
    return created


def faq_embeddings_refresh() -> int:
    key = encoder.encoder_weights_sha256()[:16]
    stale = list(FAQEntry.objects.exclude(embedding_key=key))
    if not stale:
        return 0
    vectors = encoder.encoder_session().embed([f"{e.question}\n{e.answer}" for e in stale])
    for entry, vector in zip(stale, vectors, strict=True):
        entry.embedding = vector.astype(np.float32).tobytes()
        entry.embedding_key = key
    FAQEntry.objects.bulk_update(stale, ["embedding", "embedding_key"])
    return len(stale)
