"""Reads for the topics page: a run's topics in the order shown, and how the categories made of topics fare."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.cluster_trends import WEEKS, topics_order, trend_name
from feedback.models import Cluster, ClusterRun
from mlcore.selectors import NewCategoryProgress, newcategories_progress


@dataclass
class TopicRow:
    cluster: Cluster
    trend: str  # growing, steady, shrinking
    weekly: list[int]  # members per week, oldest first
    spark: str  # the same as block characters, one per week, scaled to the busiest week
    reasons: list[tuple[str, int]]
    progress: NewCategoryProgress | None  # the category made of it, with its gold labels so far
    form: object = None  # the view's form to make a category of it (escalation topics)


BLOCKS = "▁▂▃▄▅▆▇█"


def sparkline(weekly: list[int]) -> str:
    """One block per week, its height scaled to the busiest week (no script, no style: text)."""
    top = max(weekly, default=0)
    return "".join(BLOCKS[round((len(BLOCKS) - 1) * n / top)] if top else BLOCKS[0] for n in weekly)


def clusterrun_topics(*, run: ClusterRun) -> list[TopicRow]:
    """The run's topics, growing ones first (cluster_trends.topics_order), then by size."""
    progress = {p.name: p for p in newcategories_progress()}
    rows = [TopicRow(cluster=c, trend=trend_name(c.growth), weekly=c.weekly or [0] * WEEKS,
                     spark=sparkline(c.weekly or [0] * WEEKS),
                     reasons=list(c.reasons.items()), progress=progress.get(c.category))
            for c in run.clusters.all()]
    return topics_order(rows, growth=lambda r: r.cluster.growth, size=lambda r: r.cluster.size)


def cluster_get(*, cluster_id: int) -> Cluster | None:
    return Cluster.objects.select_related("run").filter(pk=cluster_id).first()


def newcategories_status() -> list[NewCategoryProgress]:
    return newcategories_progress()
