"""Dashboard reads: aggregated in the database, so 100,000 feedback rows stay fast."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncWeek

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.scoring import NPSSummary, nps_summary_from_counts
from supportdesk.models import Inquiry


@dataclass(frozen=True)
class DashboardFilter:
    start: dt.datetime
    end: dt.datetime
    category: str = ""
    period: str = "week"  # or "day"

    def trunc(self, field: str):
        return (TruncDay if self.period == "day" else TruncWeek)(field)


def _feedback(f: DashboardFilter) -> QuerySet[ExplicitFeedback]:
    qs = ExplicitFeedback.objects.filter(created_at__gte=f.start, created_at__lt=f.end)
    return qs.filter(inquiry__category=f.category) if f.category else qs


def nps_overall(*, f: DashboardFilter) -> NPSSummary:
    return nps_summary_from_counts(**_nps_counts(_feedback(f)))


def _nps_counts(qs) -> dict:
    return qs.aggregate(promoters=Count("id", filter=Q(nps__gte=9)),
                        passives=Count("id", filter=Q(nps__in=[7, 8])),
                        detractors=Count("id", filter=Q(nps__lte=6)))


def nps_trend(*, f: DashboardFilter) -> list[tuple[dt.datetime, NPSSummary]]:
    rows = (_feedback(f).exclude(nps__isnull=True).annotate(bucket=f.trunc("created_at")).values("bucket")
            .annotate(promoters=Count("id", filter=Q(nps__gte=9)), passives=Count("id", filter=Q(nps__in=[7, 8])),
                      detractors=Count("id", filter=Q(nps__lte=6))).order_by("bucket"))
    return [(r["bucket"], nps_summary_from_counts(promoters=r["promoters"], passives=r["passives"],
                                                  detractors=r["detractors"])) for r in rows]


def rating_distribution(*, f: DashboardFilter) -> dict[int, int]:
    counts = dict(_feedback(f).exclude(rating__isnull=True).values_list("rating").annotate(n=Count("id")))
    return {r: counts.get(r, 0) for r in range(1, 6)}


def implicit_histogram(*, f: DashboardFilter, bins: int = 20) -> list[int]:
    qs = ImplicitSignal.objects.filter(created_at__gte=f.start, created_at__lt=f.end)
    if f.category:
        qs = qs.filter(inquiry__category=f.category)
    edges = [i / bins for i in range(bins + 1)]
    agg = qs.aggregate(**{f"b{i}": Count("id", filter=Q(score__gte=lo, score__lt=hi if i < bins - 1 else 2.0))
                          for i, (lo, hi) in enumerate(itertools.pairwise(edges))})
    return [agg[f"b{i}"] for i in range(bins)]


def escalations_by_reason(*, f: DashboardFilter) -> tuple[list[dt.datetime], dict[str, list[float]]]:
    """Share of inquiries escalated for each reason, per period (a reason counts once per inquiry)."""
    inquiries = Inquiry.objects.filter(created_at__gte=f.start, created_at__lt=f.end)
    if f.category:
        inquiries = inquiries.filter(category=f.category)
    totals = dict(inquiries.annotate(bucket=f.trunc("created_at")).values_list("bucket").annotate(n=Count("id")))
    buckets = sorted(totals)
    series: dict[str, list[float]] = {}
    counts: dict[tuple, int] = {}
    rows = inquiries.annotate(bucket=f.trunc("created_at")).values_list("bucket", "escalation_reasons")
    for bucket, reasons in rows.iterator(chunk_size=5000):
        for r in set(reasons or []):
            counts[(r, bucket)] = counts.get((r, bucket), 0) + 1
    for r in sorted({k[0] for k in counts}):
        series[r] = [counts.get((r, b), 0) / totals[b] for b in buckets]
    return buckets, series


def category_mix(*, f: DashboardFilter) -> tuple[list[dt.datetime], dict[str, list[int]]]:
    rows = (Inquiry.objects.filter(created_at__gte=f.start, created_at__lt=f.end).exclude(category="")
            .annotate(bucket=f.trunc("created_at")).values_list("bucket", "category").annotate(n=Count("id")))
    buckets = sorted({b for b, _, _ in rows})
    index = {b: i for i, b in enumerate(buckets)}
    series: dict[str, list[int]] = {}
    for bucket, category, n in rows:
        series.setdefault(category, [0] * len(buckets))[index[bucket]] = n
    return buckets, series


def feedback_export_rows(*, f: DashboardFilter):
    yield ["ticket", "created_at", "category", "helpful", "rating", "nps", "score", "comment_sentiment", "comment"]
    for fb in _feedback(f).select_related("inquiry").order_by("created_at").iterator(chunk_size=2000):
        yield [fb.inquiry_id, fb.created_at.isoformat(), fb.inquiry.category, fb.helpful, fb.rating, fb.nps,
               fb.score, fb.comment_sentiment, fb.comment]


def categories_in_use() -> list[str]:
    return sorted(set(Inquiry.objects.exclude(category="").values_list("category", flat=True).distinct()))
