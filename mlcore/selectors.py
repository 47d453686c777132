from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from mlcore.models import DriftReport, ModelVersion, NewCategory, Rollout, TrainingExample, TrainingRun


def modelversion_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def modelversion_get(*, version: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(version=version).first()


def trainingexample_category_rows() -> list[tuple[str, str, float, str]]:
    """(text, category, weight, source), one row per text, the most trusted source winning."""
    rank = {
        TrainingExample.Source.STARTER: 0,
        TrainingExample.Source.IMPORT: 1,
        TrainingExample.Source.AGENT: 2,
        TrainingExample.Source.GOLD: 3,
    }
    best: dict[str, tuple[int, str, str, float, str]] = {}
    rows = TrainingExample.objects.exclude(category="").order_by("created_at", "id")
    for text, category, source, weight in rows.values_list("text", "category", "source", "weight").iterator():
        key = text.strip().lower()
        r = rank.get(source, 0)
        if key not in best or r >= best[key][0]:
            best[key] = (r, text, category, weight, source)
    return sorted((text, cat, w, src) for _, text, cat, w, src in best.values())


def trainingexample_sentiment_set() -> list[tuple[str, str]]:
    rows = TrainingExample.objects.exclude(sentiment="").values_list("text", "sentiment")
    return sorted(set(rows))


def trainingexample_upset_set() -> list[tuple[str, bool]]:
    """(text, upset) for every text labeled calm or upset; an upset label wins over a calm one."""
    best: dict[str, bool] = {}
    for text, upset in TrainingExample.objects.filter(upset__isnull=False).values_list("text", "upset").iterator():
        best[text] = best.get(text, False) or bool(upset)
    return sorted(best.items())


def modelversions_recent(*, limit: int = 30):
    return list(ModelVersion.objects.select_related("training_run").order_by("-created_at", "-id")[:limit])


def trainingruns_recent(*, limit: int = 30):
    return list(TrainingRun.objects.select_related("model_version", "requested_by")[:limit])


def trainingrun_get(*, run_id: int):
    return TrainingRun.objects.select_related("model_version").filter(pk=run_id).first()


def trainingrun_counts_by_status() -> dict[str, int]:
    counts = dict(TrainingRun.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in TrainingRun.Status.values}


def driftreport_latest():
    return DriftReport.objects.select_related("model_version").first()


def driftreports_recent(*, limit: int = 50):
    return list(DriftReport.objects.order_by("-created_at", "-id")[:limit])


def rollout_running() -> Rollout | None:
    return Rollout.objects.filter(status=Rollout.Status.RUNNING).select_related("candidate", "baseline").first()


def newcategory_names() -> list[str]:
    return list(NewCategory.objects.values_list("name", flat=True))


def category_names_known() -> set[str]:
    """Every category the ML core knows of: labeled examples, the active version's labels, the new ones."""
    known = set(TrainingExample.objects.exclude(category="").values_list("category", flat=True).distinct())
    active = modelversion_active()
    return known | set(active.labels if active else []) | set(newcategory_names())


@dataclass(frozen=True)
class NewCategoryProgress:
    name: str
    gold: int
    needed: int

    @property
    def trainable(self) -> bool:
        return self.gold >= self.needed


def newcategories_progress() -> list[NewCategoryProgress]:
    """Each new category with its gold labels against SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD."""
    gold = dict(TrainingExample.objects.filter(source=TrainingExample.Source.GOLD, category__in=NewCategory.objects
                                               .values("name")).values("category").annotate(n=Count("id"))
                .values_list("category", "n"))
    needed = settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD
    return [NewCategoryProgress(name=name, gold=gold.get(name, 0), needed=needed) for name in newcategory_names()]


def newcategories_held_back() -> dict[str, int]:
    """New categories with too few gold labels to train on: name → gold labels so far. Their labels wait."""
    return {p.name: p.gold for p in newcategories_progress() if not p.trainable}


def newcategories_described() -> list[tuple[str, str]]:
    """(name, description) of each new category, for people choosing among categories it may not be obvious."""
    return list(NewCategory.objects.exclude(description="").values_list("name", "description"))
