"""How a topic's size moves over the last weeks, and which topics come first. Pure: no Django."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

WEEKS = 8
# Growth per week relative to the topic's mean weekly size: above this a topic is shown as growing,
# below its negative as shrinking (0.1: a topic of 10 a week that gains one more a week).
GROWING = 0.10


def weekly_counts(*, dates: Iterable[datetime], now: datetime, weeks: int = WEEKS) -> list[int]:
    """Texts per week over the last `weeks` weeks, oldest first; the last week ends at `now`.
    Older texts and any dated after `now` are not counted."""
    counts = [0] * weeks
    for when in dates:
        age = (now - when) / timedelta(weeks=1)
        if 0 <= age < weeks:
            counts[weeks - 1 - int(age)] += 1
    return counts


def trend_growth(weekly: list[int]) -> float:
    """The least-squares slope of the weekly counts over their mean: the share by which the topic grows
    (> 0) or shrinks (< 0) per week. 0 for a topic with no texts in the weeks counted, or only one week."""
    n = len(weekly)
    mean = sum(weekly) / n if n else 0.0
    if n < 2 or mean == 0:
        return 0.0
    mid = (n - 1) / 2
    slope = sum((i - mid) * (c - mean) for i, c in enumerate(weekly)) / sum((i - mid) ** 2 for i in range(n))
    return round(slope / mean, 4)


def trend_name(growth: float) -> str:
    if growth > GROWING:
        return "growing"
    if growth < -GROWING:
        return "shrinking"
    return "steady"


def topics_order(topics: list, *, growth=lambda t: t.growth, size=lambda t: t.size) -> list:
    """Growing topics first (fastest first), then the rest by size, largest first."""
    def key(t):
        g = growth(t)
        return (0, -g, -size(t)) if trend_name(g) == "growing" else (1, -size(t), -g)
    return sorted(topics, key=key)
