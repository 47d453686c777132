"""Escalation rules (SPEC §3.3): pure functions, evaluated together; every rule that fires is a reason."""

from __future__ import annotations

from dataclasses import dataclass, field

LOW_CONFIDENCE = "low_confidence"
AMBIGUOUS = "ambiguous"
HIGH_RISK = "high_risk"
NEGATIVE_SENTIMENT = "negative_sentiment"
MODEL_UNAVAILABLE = "model_unavailable"
ALL_REASONS = (LOW_CONFIDENCE, AMBIGUOUS, HIGH_RISK, NEGATIVE_SENTIMENT, MODEL_UNAVAILABLE)

REASON_TEXT = {
    LOW_CONFIDENCE: "the model is not confident enough",
    AMBIGUOUS: "two categories are almost equally likely",
    HIGH_RISK: "this category is always handled by a person",
    NEGATIVE_SENTIMENT: "the message sounds upset",
    MODEL_UNAVAILABLE: "the automatic assistant is unavailable",
}


@dataclass(frozen=True)
class Thresholds:
    confidence: float = 0.7
    margin: float = 0.1
    negative_sentiment: float = -0.5
    high_risk: frozenset[str] = field(default_factory=lambda: frozenset({"refund"}))


def escalation_reasons(
    *, category: str, confidence: float, margin: float, sentiment: float, thresholds: Thresholds
) -> list[str]:
    reasons = []
    if confidence < thresholds.confidence:
        reasons.append(LOW_CONFIDENCE)
    if margin < thresholds.margin:
        reasons.append(AMBIGUOUS)
    if category in thresholds.high_risk:
        reasons.append(HIGH_RISK)
    if sentiment < thresholds.negative_sentiment:
        reasons.append(NEGATIVE_SENTIMENT)
    return reasons
