"""Feedback scores and NPS (SPEC §4.1-4.3): pure functions, testable without Django."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

DWELL_LAMBDA = 0.05  # per second
MAX_DWELL_SECONDS = 3600.0
EXPLICIT_WEIGHTS = {"rating": 0.5, "comment": 0.3, "nps": 0.2}
MIN_NPS_ANSWERS = 30


def implicit_score(*, clicked: bool, dwell_seconds: float, scroll_depth: float, lam: float = DWELL_LAMBDA) -> float:
    """f_imp = 0.4·click + 0.4·(1 − exp(−λt)) + 0.2·d, with t clipped to [0, 3600] s and d to [0, 1]."""
    t = min(max(float(dwell_seconds), 0.0), MAX_DWELL_SECONDS)
    d = min(max(float(scroll_depth), 0.0), 1.0)
    return 0.4 * float(bool(clicked)) + 0.4 * (1.0 - math.exp(-lam * t)) + 0.2 * d


def explicit_score(*, rating: int | None = None, comment_sentiment: float | None = None,
                   nps: int | None = None) -> float | None:
    """f_exp = 0.5·r_norm + 0.3·S(c) + 0.2·n/10, the weights renormalised over the parts present.

    None when no part is present (no explicit feedback at all)."""
    parts = {}
    if rating is not None:
        parts["rating"] = (rating - 1) / 4
    if comment_sentiment is not None:
        parts["comment"] = max(-1.0, min(1.0, comment_sentiment))
    if nps is not None:
        parts["nps"] = nps / 10
    if not parts:
        return None
    total = sum(EXPLICIT_WEIGHTS[k] for k in parts)
    return sum(EXPLICIT_WEIGHTS[k] * v for k, v in parts.items()) / total


@dataclass(frozen=True)
class NPSSummary:
    nps: float | None  # in [-100, 100]; None with no answers
    answers: int
    promoters: int
    passives: int
    detractors: int
    ci_low: float | None
    ci_high: float | None
    too_few: bool  # fewer than MIN_NPS_ANSWERS: show a warning


def nps_summary(answers: Iterable[int], *, z: float = 1.96) -> NPSSummary:
    values = list(answers)
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    return nps_summary_from_counts(promoters=promoters, passives=len(values) - promoters - detractors,
                                   detractors=detractors, z=z)


def nps_summary_from_counts(*, promoters: int, passives: int, detractors: int, z: float = 1.96) -> NPSSummary:
    """NPS = (%promoters − %detractors)·100 with a normal-approximation confidence interval:
    the score is the mean of +1/0/−1 per answer, so its variance is (p + d − (p − d)²)/n."""
    n = promoters + passives + detractors
    if n == 0:
        return NPSSummary(None, 0, 0, 0, 0, None, None, True)
    p, d = promoters / n, detractors / n
    score = p - d
    half = z * math.sqrt(max(p + d - score * score, 0.0) / n)
    low, high = max(-1.0, score - half), min(1.0, score + half)
    return NPSSummary(round(score * 100, 2), n, promoters, passives, detractors, round(low * 100, 2),
                      round(high * 100, 2), n < MIN_NPS_ANSWERS)


def ticket_feedback_score(*, explicit: float | None, implicit: float | None, helpful: bool | None) -> float | None:
    """One score f in [0, 1] per ticket for training weights (SPEC §6.2): an explicit "not helpful"
    is 0, an explicit score outranks the implicit one (the best of the ticket's page views);
    None when the customer left no signal at all."""
    if helpful is False:
        return 0.0
    value = explicit if explicit is not None else implicit
    if value is None:
        return None
    return min(max(float(value), 0.0), 1.0)
