"""The operations figures a support manager runs the team by (issue #15): pure functions over arrays
of durations and counts, no database; feedback/operations_selectors.py reads the rows.

Definitions, as the dashboard states them:
- automation rate: of the inquiries the model decided on, the share answered without a person and
  not reopened by a follow-up (a follow-up sends the ticket to an agent, so it leaves answered_auto);
- first response: submission to the first agent reply; resolution: submission to resolved;
- SLA breach: a ticket with a due time answered after it, or still unanswered and past it;
- CSAT: the share of 4- and 5-star ratings on tickets people handled (the automatic answers' ratings
  are on the feedback dashboard);
- backlog at a moment: tickets handed to people by then and not resolved by then.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of a set of durations, in seconds (None when there are none)."""

    n: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class Change:
    """A figure beside the previous period's: `delta` is the difference (None if either is missing);
    `better` says whether the change is good news for the team (None when unchanged or unknown)."""

    current: float | None
    previous: float | None
    delta: float | None
    better: bool | None


def spread(seconds) -> Spread:
    values = np.asarray(seconds, dtype=float)
    values = values[np.isfinite(values)]
    if not values.size:
        return Spread(n=0, median=None, p90=None)
    return Spread(n=int(values.size), median=float(np.median(values)), p90=float(np.percentile(values, 90)))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def change(*, current: float | None, previous: float | None, higher_is_better: bool | None) -> Change:
    """higher_is_better None: a volume, neither good nor bad news by itself."""
    if current is None or previous is None:
        return Change(current=current, previous=previous, delta=None, better=None)
    delta = current - previous
    better = None if abs(delta) < 1e-9 or higher_is_better is None else (delta > 0) == higher_is_better
    return Change(current=current, previous=previous, delta=delta, better=better)


def previous_window(*, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The window of the same length just before [start, end] (both inclusive)."""
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def backlog_at(*, moments, handed_at, resolved_at) -> list[int]:
    """For each moment, how many tickets had been handed to people (handed_at <= moment) and were not
    yet resolved then (resolved_at missing or later). Times as float seconds; NaN resolved_at: open."""
    handed = np.sort(np.asarray(handed_at, dtype=float))
    closed = np.asarray(resolved_at, dtype=float)
    closed = np.sort(closed[np.isfinite(closed)])
    out = []
    for moment in moments:
        opened = int(np.searchsorted(handed, moment, side="right"))
        done = int(np.searchsorted(closed, moment, side="right"))
        out.append(max(0, opened - done))
    return out


def duration_words(seconds: float | None) -> str:
    """"42 min", "5.3 h", "2.1 d"; an em dash when there is no figure."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"
