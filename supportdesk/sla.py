"""First-response service levels (issue #14): pure functions, no database, testable without Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from supportdesk import rules

# The escalation reasons that make a ticket high-risk for its response target.
HIGH_RISK_REASONS = frozenset({rules.HIGH_RISK, rules.NEGATIVE_SENTIMENT})

DEFAULT, CATEGORY, HIGH_RISK = "default", "category", "high_risk"  # ResponseTarget.Kind values


@dataclass(frozen=True)
class Target:
    kind: str
    category: str
    minutes: int


def is_high_risk(*, reasons: Iterable[str]) -> bool:
    return not HIGH_RISK_REASONS.isdisjoint(reasons)


def response_minutes(*, category: str, high_risk: bool, targets: Iterable[Target], default_minutes: int) -> int:
    """The category's target, else the default row, else `default_minutes`; a high-risk target applies
    on top when it is tighter (the tightest applicable target wins)."""
    targets = list(targets)
    base = next((t.minutes for t in targets if t.kind == CATEGORY and t.category == category), None)
    if base is None:
        base = next((t.minutes for t in targets if t.kind == DEFAULT), default_minutes)
    if high_risk:
        base = min([base, *(t.minutes for t in targets if t.kind == HIGH_RISK)])
    return base


def response_due(*, escalated_at: datetime, category: str, high_risk: bool, targets: Iterable[Target],
                 default_minutes: int) -> datetime:
    return escalated_at + timedelta(minutes=response_minutes(
        category=category, high_risk=high_risk, targets=targets, default_minutes=default_minutes))


def is_breached(*, due_at: datetime | None, first_response_at: datetime | None, is_open: bool, now: datetime) -> bool:
    """An open ticket past its due time with no agent reply yet; once answered it no longer breaches."""
    return is_open and due_at is not None and first_response_at is None and due_at < now


def span_words(seconds: float) -> str:
    """A duration as an agent reads it at a glance: "42 min", "1 h 5 min", "3 d 2 h"."""
    minutes = max(1, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h"


def due_label(*, due_at: datetime | None, first_response_at: datetime | None, now: datetime) -> str:
    """"due in 42 min" / "overdue by 1 h 5 min" / "answered" / "" (no target)."""
    if first_response_at is not None:
        return "answered"
    if due_at is None:
        return ""
    seconds = (due_at - now).total_seconds()
    return f"due in {span_words(seconds)}" if seconds >= 0 else f"overdue by {span_words(-seconds)}"
