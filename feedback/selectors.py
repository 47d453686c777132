"""Dashboard reads: grouped by the stored local day in plain SQL (fast on SQLite and PostgreSQL
alike), then rolled up to weeks in Python over at most a few hundred day buckets."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, Q, QuerySet
from django.db.models.functions import Cast

from feedback.models import ClusterRun, ExplicitFeedback, ImplicitSignal
from feedback.scoring import NPSSummary, nps_summary_from_counts
from supportdesk.models import Inquiry


@dataclass(frozen=True)
class DashboardFilter:
    start: dt.date
    end: dt.date  # inclusive
    category: str = ""
    period: str = "week"  # or "day"

    def bucket(self, day: dt.date) -> dt.date:
        return day - dt.timedelta(days=day.weekday()) if self.period == "week" else day


def _window(qs: QuerySet, f: DashboardFilter, category_field: str) -> QuerySet:
    qs = qs.filter(created_day__gte=f.start, created_day__lte=f.end)
    return qs.filter(**{category_field: f.category}) if f.category else qs


def _feedback(f: DashboardFilter) -> QuerySet[ExplicitFeedback]:
    return _window(ExplicitFeedback.objects.all(), f, "inquiry__category")


def _inquiries(f: DashboardFilter) -> QuerySet[Inquiry]:
    return _window(Inquiry.objects.all(), f, "category")


NPS_COUNTS = {"promoters": Count("id", filter=Q(nps__gte=9)), "passives": Count("id", filter=Q(nps__in=[7, 8])),
              "detractors": Count("id", filter=Q(nps__lte=6))}
RATING_COUNTS = {f"r{r}": Count("id", filter=Q(rating=r)) for r in range(1, 6)}


def feedback_by_day(*, f: DashboardFilter) -> list[dict]:
    """One grouped scan for the NPS (overall and per period) and the ratings."""
    return list(_feedback(f).values("created_day").annotate(**NPS_COUNTS, **RATING_COUNTS).order_by())


def nps_overall(*, f: DashboardFilter, by_day: list[dict] | None = None) -> NPSSummary:
    rows = feedback_by_day(f=f) if by_day is None else by_day
    return nps_summary_from_counts(**{k: sum(r[k] for r in rows) for k in NPS_COUNTS})


def nps_trend(*, f: DashboardFilter, by_day: list[dict] | None = None) -> list[tuple[dt.date, NPSSummary]]:
    totals: dict[dt.date, dict[str, int]] = defaultdict(lambda: dict.fromkeys(NPS_COUNTS, 0))
    for row in feedback_by_day(f=f) if by_day is None else by_day:
        if any(row[k] for k in NPS_COUNTS):
            bucket = totals[f.bucket(row["created_day"])]
            for k in NPS_COUNTS:
                bucket[k] += row[k]
    return [(b, nps_summary_from_counts(**c)) for b, c in sorted(totals.items())]


def rating_distribution(*, f: DashboardFilter, by_day: list[dict] | None = None) -> dict[int, int]:
    rows = feedback_by_day(f=f) if by_day is None else by_day
    return {r: sum(row[f"r{r}"] for row in rows) for r in range(1, 6)}


def implicit_histogram(*, f: DashboardFilter, bins: int = 20) -> list[int]:
    qs = _window(ImplicitSignal.objects.all(), f, "inquiry__category")
    # CAST in SQL, not a database function Django emulates per row on SQLite.
    rows = (qs.annotate(bin=Cast(F("score") * bins, IntegerField())).values_list("bin").annotate(n=Count("id"))
            .order_by())
    hist = [0] * bins
    for b, n in rows:
        hist[min(max(int(b), 0), bins - 1)] += n
    return hist


def _by_bucket(rows, f: DashboardFilter) -> dict[dt.date, int]:
    out: dict[dt.date, int] = defaultdict(int)
    for day, n in rows:
        out[f.bucket(day)] += n
    return out


def escalations_by_reason(*, f: DashboardFilter) -> tuple[list[dt.date], dict[str, list[float]]]:
    """Share of inquiries escalated for each reason per period (a reason counts once per inquiry)."""
    inquiries = _inquiries(f)
    totals = _by_bucket(inquiries.values_list("created_day").annotate(n=Count("id")).order_by(), f)
    buckets = sorted(totals)
    counts: dict[tuple[str, dt.date], int] = defaultdict(int)
    # Grouping by the reasons list itself leaves days × distinct lists: a few hundred rows.
    rows = inquiries.values_list("created_day", "escalation_reasons").annotate(n=Count("id")).order_by()
    for day, reasons, n in rows:
        for reason in set(reasons or []):
            counts[(reason, f.bucket(day))] += n
    reasons_seen = sorted({r for r, _ in counts})
    return buckets, {r: [counts.get((r, b), 0) / totals[b] for b in buckets] for r in reasons_seen}


def category_mix(*, f: DashboardFilter) -> tuple[list[dt.date], dict[str, list[int]]]:
    rows = (_inquiries(f).exclude(category="").values_list("created_day", "category").annotate(n=Count("id"))
            .order_by())
    counts: dict[tuple[str, dt.date], int] = defaultdict(int)
    for day, category, n in rows:
        counts[(category, f.bucket(day))] += n
    buckets = sorted({b for _, b in counts})
    return buckets, {c: [counts.get((c, b), 0) for b in buckets] for c in sorted({c for c, _ in counts})}


def feedback_export_rows(*, f: DashboardFilter):
    yield ["ticket", "created_at", "category", "helpful", "rating", "nps", "score", "comment_sentiment", "comment"]
    for fb in _feedback(f).select_related("inquiry").order_by("created_at").iterator(chunk_size=2000):
        yield [fb.inquiry_id, fb.created_at.isoformat(), fb.inquiry.category, fb.helpful, fb.rating, fb.nps,
               fb.score, fb.comment_sentiment, fb.comment]


def categories_in_use() -> list[str]:
    # order_by() first: the model's default ordering would otherwise join DISTINCT (one row per inquiry).
    return list(Inquiry.objects.exclude(category="").order_by("category").values_list("category", flat=True)
                .distinct())


def clusterrun_get(*, run_id) -> ClusterRun | None:
    """The run asked for, else the latest finished one."""
    if run_id and str(run_id).isdigit():
        return ClusterRun.objects.filter(pk=int(run_id)).first()
    return ClusterRun.objects.filter(status=ClusterRun.Status.DONE).first()


def clusterruns_recent(*, limit: int = 20) -> list[ClusterRun]:
    return list(ClusterRun.objects.defer("points")[:limit])


def explicit_feedback_for(*, inquiry) -> ExplicitFeedback | None:
    return ExplicitFeedback.objects.filter(inquiry=inquiry).first()


def clusterrun_sources() -> list[tuple[str, str]]:
    return list(ClusterRun.Source.choices)
