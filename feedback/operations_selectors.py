"""The operations dashboard's reads (issue #15): automation, first-response and resolution times, SLA
breaches, the backlog, per-agent figures, each beside the previous period's. Arithmetic lives in
feedback/operations.py; this module reads rows, in five queries for a window and its predecessor.

Times come out of the database as epoch seconds (EpochSeconds): turning 40,000 rows' datetimes into
Python objects cost SQLite 1.1 s of a 1.8 s page at 100,000 inquiries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

import numpy as np
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, FloatField, Func, IntegerField, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from feedback import operations as ops
from feedback.selectors import DashboardFilter
from mlcore.audit import VersionAudit, audit_by_version
from mlcore.selectors import modelversion_active
from supportdesk.models import Inquiry

S = Inquiry.Status
HANDED = (S.ESCALATED, S.ASSIGNED, S.RESOLVED)  # tickets a person took over
OPEN = (S.ESCALATED, S.ASSIGNED)
GOOD_RATING = 4  # CSAT: the share of 1-5 ratings at 4 or 5, on tickets people handled


class EpochSeconds(Func):
    """A datetime as seconds since 1970 (a float; NULL stays NULL), computed by the database."""

    output_field = FloatField()
    template = "CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)"

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps SQLite datetimes as UTC text, which julianday() reads.
        return self.as_sql(compiler, connection, template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
                           **extra)


class DayOrdinal(Func):
    """A date as Python's date.toordinal() (0001-01-01 is 1), computed by the database: 40,000 date
    objects parsed from SQLite's text cost more than the rest of the page's Python."""

    output_field = IntegerField()
    template = "((%(expressions)s - DATE '0001-01-01') + 1)"

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) - 1721424.5 AS INTEGER)",
                           **extra)


@dataclass(frozen=True)
class Handed:
    """The tickets of a window that a person took over, as arrays (NaN: no such time)."""

    days: np.ndarray  # submission days as ordinals
    created: np.ndarray
    first: np.ndarray  # the first agent reply
    resolved: np.ndarray  # only while resolved: a reopened ticket's old resolution does not count
    due: np.ndarray
    open: np.ndarray  # bool
    agent: np.ndarray  # the holder's id, -1 for none
    rating: np.ndarray  # the customer's 1-5 stars, NaN if none

    def breached(self, *, now: float) -> np.ndarray:
        late = np.isfinite(self.first) & (self.first > self.due)
        waiting = ~np.isfinite(self.first) & self.open & (self.due < now)
        return np.isfinite(self.due) & (late | waiting)


@dataclass(frozen=True)
class WindowFigures:
    decided: int
    automated: int
    reopened: int
    handed: int
    resolved: int
    with_due: int
    breached: int
    first_response: ops.Spread
    resolution: ops.Spread
    rated: int
    good: int

    @property
    def automation_rate(self) -> float | None:
        return ops.share(self.automated, self.decided)

    @property
    def breach_rate(self) -> float | None:
        return ops.share(self.breached, self.with_due)

    @property
    def csat(self) -> float | None:
        return ops.share(self.good, self.rated)


@dataclass(frozen=True)
class AgentRow:
    username: str
    handled: int
    first_response: ops.Spread
    rated: int
    csat: float | None
    tickets_url: str

    @property
    def first_response_words(self) -> str:
        return ops.duration_words(self.first_response.median)


@dataclass
class OperationsReport:
    f: DashboardFilter
    previous: tuple[dt.date, dt.date]
    now: WindowFigures
    before: WindowFigures
    buckets: list[dt.date] = field(default_factory=list)
    series: dict[str, list] = field(default_factory=dict)
    agents: list[AgentRow] = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.f.end - self.f.start).days + 1

    def changes(self) -> dict[str, ops.Change]:
        a, b = self.now, self.before
        return {
            "automation_rate": ops.change(current=a.automation_rate, previous=b.automation_rate, higher_is_better=True),
            "first_response_median": ops.change(current=a.first_response.median, previous=b.first_response.median,
                                                higher_is_better=False),
            "first_response_p90": ops.change(current=a.first_response.p90, previous=b.first_response.p90,
                                             higher_is_better=False),
            "resolution_median": ops.change(current=a.resolution.median, previous=b.resolution.median,
                                            higher_is_better=False),
            "resolution_p90": ops.change(current=a.resolution.p90, previous=b.resolution.p90, higher_is_better=False),
            "breach_rate": ops.change(current=a.breach_rate, previous=b.breach_rate, higher_is_better=False),
            "breached": ops.change(current=a.breached, previous=b.breached, higher_is_better=False),
            "csat": ops.change(current=a.csat, previous=b.csat, higher_is_better=True),
            "handed": ops.change(current=a.handed, previous=b.handed, higher_is_better=None),
        }


def _window(*, start: dt.date, end: dt.date, category: str) -> QuerySet[Inquiry]:
    qs = Inquiry.objects.filter(created_day__gte=start, created_day__lte=end)
    return qs.filter(category=category) if category else qs


def _floats(values) -> np.ndarray:
    return np.array(values, dtype=float)  # None becomes NaN


def handed_read(*, start: dt.date, end: dt.date, category: str = "") -> Handed:
    rows = list(_window(start=start, end=end, category=category).filter(status__in=HANDED).order_by().values_list(
        DayOrdinal("created_day"), EpochSeconds("created_at"), EpochSeconds("first_response_at"),
        EpochSeconds("resolved_at"), EpochSeconds("response_due_at"), "status", "assigned_to", "feedback__rating"))
    cols = list(zip(*rows, strict=True)) if rows else [[] for _ in range(8)]
    status = np.array(cols[5], dtype=object)
    resolved = _floats(cols[3])
    resolved[status != S.RESOLVED] = np.nan
    agent = _floats(cols[6])
    return Handed(days=np.array(cols[0], dtype=np.int64), created=_floats(cols[1]), first=_floats(cols[2]),
                  resolved=resolved, due=_floats(cols[4]), open=np.isin(status, OPEN),
                  agent=np.where(np.isfinite(agent), agent, -1).astype(np.int64), rating=_floats(cols[7]))


def _csat(ratings: np.ndarray) -> tuple[int, int]:
    """(rated, good) among 1-5 star ratings."""
    rated = np.isfinite(ratings)
    return int(rated.sum()), int((ratings[rated] >= GOOD_RATING).sum())


def window_figures(*, start: dt.date, end: dt.date, category: str = "", now: dt.datetime | None = None,
                   handed: Handed | None = None) -> WindowFigures:
    """Every headline figure of one window (by submission day)."""
    now_s = (now or timezone.now()).timestamp()
    counts = _window(start=start, end=end, category=category).aggregate(
        decided=Count("pk", filter=~Q(status=S.RECEIVED)),
        automated=Count("pk", filter=Q(status=S.ANSWERED_AUTO)),
        reopened=Count("pk", filter=Q(escalation_reasons__icontains='"follow_up"')),
    )
    h = handed if handed is not None else handed_read(start=start, end=end, category=category)
    rated, good = _csat(h.rating)
    return WindowFigures(**counts, handed=int(h.days.size), resolved=int(np.isfinite(h.resolved).sum()),
                         with_due=int(np.isfinite(h.due).sum()), breached=int(h.breached(now=now_s).sum()),
                         first_response=ops.spread(h.first - h.created),
                         resolution=ops.spread(h.resolved - h.created),
                         rated=rated, good=good)


def tickets_url(**lookups) -> str:
    """The admin's ticket list filtered by `lookups` (Django admin lookups on Inquiry): where a chart's
    point or a table's row leads."""
    return f"{reverse('admin:supportdesk_inquiry_changelist')}?{urlencode(sorted(lookups.items()))}"


def _bucket_end(f: DashboardFilter, bucket: dt.date) -> dt.date:
    return min(f.end, bucket + dt.timedelta(days=6 if f.period == "week" else 0))


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _series(*, f: DashboardFilter, now: dt.datetime, h: Handed) -> tuple[list[dt.date], dict[str, list]]:
    """Per period: first-response and resolution median and p90 (hours), breaches, the open backlog at
    the period's end, and the admin links behind each point."""
    # DashboardFilter.bucket over ordinals: date(1, 1, 1) was a Monday, so (ordinal - 1) % 7 is the weekday.
    keys = h.days - (h.days - 1) % 7 if f.period == "week" else h.days
    buckets = [dt.date.fromordinal(int(k)) for k in np.unique(keys)]
    ends = [_bucket_end(f, b) for b in buckets]
    breached = h.breached(now=now.timestamp())
    first, resolution, breaches = [], [], []
    for b in buckets:
        members = keys == b.toordinal()
        first.append(ops.spread(h.first[members] - h.created[members]))
        resolution.append(ops.spread(h.resolved[members] - h.created[members]))
        breaches.append(int(breached[members].sum()))
    # The backlog also counts tickets submitted before the window and still open at its start.
    tz = timezone.get_current_timezone()
    start_at = dt.datetime.combine(f.start, dt.time.min, tzinfo=tz)
    earlier = Inquiry.objects.filter(status__in=HANDED, created_day__lt=f.start).filter(
        Q(status__in=OPEN) | Q(resolved_at__gte=start_at))
    if f.category:
        earlier = earlier.filter(category=f.category)
    before = list(earlier.order_by().values_list(EpochSeconds("created_at"), EpochSeconds("resolved_at"), "status"))
    handed_at = np.concatenate([h.created, _floats([c for c, _, _ in before])])
    closed_at = np.concatenate([h.resolved, _floats([r if st == S.RESOLVED else None for _, r, st in before])])
    moments = [min(now, dt.datetime.combine(e, dt.time.max, tzinfo=tz)).timestamp() for e in ends]
    category = {"category": f.category} if f.category else {}
    series = {
        "first_response_median_h": [_hours(s.median) for s in first],
        "first_response_p90_h": [_hours(s.p90) for s in first],
        "resolution_median_h": [_hours(s.median) for s in resolution],
        "resolution_p90_h": [_hours(s.p90) for s in resolution],
        "breaches": breaches,
        "backlog": ops.backlog_at(moments=moments, handed_at=handed_at, resolved_at=closed_at),
        "links": [tickets_url(created_day__gte=b.isoformat(), created_day__lte=e.isoformat(), **category)
                  for b, e in zip(buckets, ends, strict=True)],
    }
    return buckets, series


def agents_table(*, f: DashboardFilter, handed: Handed | None = None) -> list[AgentRow]:
    """Per agent who held tickets submitted in the window: how many, median first response, CSAT."""
    h = handed if handed is not None else handed_read(start=f.start, end=f.end, category=f.category)
    ids = [int(a) for a in np.unique(h.agent) if a >= 0]
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    window = {"created_day__gte": f.start.isoformat(), "created_day__lte": f.end.isoformat()}
    if f.category:
        window["category"] = f.category
    out = []
    for agent_id in ids:
        members = h.agent == agent_id
        rated, good = _csat(h.rating[members])
        out.append(AgentRow(username=names.get(agent_id, f"#{agent_id}"), handled=int(members.sum()),
                            first_response=ops.spread(h.first[members] - h.created[members]), rated=rated,
                            csat=ops.share(good, rated),
                            tickets_url=tickets_url(assigned_to__id__exact=agent_id, **window)))
    return sorted(out, key=lambda r: (-r.handled, r.username))


def operations_report(*, f: DashboardFilter, now: dt.datetime | None = None) -> OperationsReport:
    now = now or timezone.now()
    previous = ops.previous_window(start=f.start, end=f.end)
    handed = handed_read(start=f.start, end=f.end, category=f.category)
    report = OperationsReport(
        f=f, previous=previous,
        now=window_figures(start=f.start, end=f.end, category=f.category, now=now, handed=handed),
        before=window_figures(start=previous[0], end=previous[1], category=f.category, now=now))
    report.buckets, report.series = _series(f=f, now=now, h=handed)
    report.agents = agents_table(f=f, handed=handed)
    return report


@dataclass(frozen=True)
class AuditCard:
    """The production audit (mlcore.audit) for the dashboard: all audits to date, not the filter's window,
    since at a few percent of automatic answers a window holds too few to say much."""

    active: VersionAudit | None  # the active version's row; None: no active version
    versions: list[VersionAudit]  # the newest versions that answered automatically, the active one among them
    share: float

    @property
    def share_percent(self) -> float:
        return self.share * 100


def operations_audit(*, limit: int = 5) -> AuditCard:
    active = modelversion_active()
    rows = [a for a in audit_by_version() if a.automatic]
    mine = next((a for a in rows if active and a.version == active.version), None)
    if active is not None and mine is None:
        mine = audit_by_version(versions=[active.version])[0]
    shown = rows[:limit]
    if mine is not None and mine not in shown:
        shown = [mine, *shown[:limit - 1]]
    return AuditCard(active=mine, versions=shown, share=settings.SUPPORTLOOP_AUDIT_SHARE)
