from __future__ import annotations

import hashlib

from mlcore.models import ModelVersion, Rollout, TrainingExample


def modelversion_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def modelversion_get(*, version: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(version=version).first()


def trainingexample_category_set() -> list[tuple[str, str, float]]:
    """(text, category, weight) for every text with a category; a more trusted source overrides."""
    rank = {
        TrainingExample.Source.STARTER: 0,
        TrainingExample.Source.IMPORT: 1,
        TrainingExample.Source.AGENT: 2,
        TrainingExample.Source.GOLD: 3,
    }
    best: dict[str, tuple[int, str, str, float]] = {}
    rows = TrainingExample.objects.exclude(category="").order_by("created_at", "id")
    for text, category, source, weight in rows.values_list("text", "category", "source", "weight").iterator():
        key = text.strip().lower()
        r = rank.get(source, 0)
        if key not in best or r >= best[key][0]:
            best[key] = (r, text, category, weight)
    return sorted((text, cat, w) for _, text, cat, w in best.values())


def trainingexample_sentiment_set() -> list[tuple[str, str]]:
    rows = TrainingExample.objects.exclude(sentiment="").values_list("text", "sentiment")
    return sorted(set(rows))


def snapshot_id_compute(*, category_rows: list[tuple[str, str, float]], sentiment_rows: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    for text, cat, weight in category_rows:
        digest.update(f"c\x1f{text}\x1f{cat}\x1f{weight:.4f}\x1e".encode())
    for text, sent in sentiment_rows:
        digest.update(f"s\x1f{text}\x1f{sent}\x1e".encode())
    return digest.hexdigest()[:32]


def rollout_running() -> Rollout | None:
    return Rollout.objects.filter(status=Rollout.Status.RUNNING).select_related("candidate", "baseline").first()
