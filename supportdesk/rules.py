"""Escalation rules (SPEC §3.3): pure functions, evaluated together; every rule that fires is a reason."""

from __future__ import annotations

from dataclasses import dataclass, field

LOW_CONFIDENCE = "low_confidence"
AMBIGUOUS = "ambiguous"
HIGH_RISK = "high_risk"
# The customer sounds upset: the version's upset head (p(upset) at or above its recommended threshold);
# a bundle without one falls back to the general sentiment score below the policy's threshold.
NEGATIVE_SENTIMENT = "negative_sentiment"
OUT_OF_SCOPE = "out_of_scope"  # unlike every category the model knows (its novelty score)
REPEAT_CONTACT = "repeat_contact"  # the same email has a ticket open, or closed within the window
MODEL_UNAVAILABLE = "model_unavailable"
ALL_REASONS = (LOW_CONFIDENCE, AMBIGUOUS, OUT_OF_SCOPE, HIGH_RISK, NEGATIVE_SENTIMENT, REPEAT_CONTACT,
               MODEL_UNAVAILABLE)

REASON_TEXT = {
    LOW_CONFIDENCE: "the model is not confident enough",
    AMBIGUOUS: "two categories are almost equally likely",
    HIGH_RISK: "this category is always handled by a person",
    OUT_OF_SCOPE: "the question is unlike the ones the assistant knows",
    NEGATIVE_SENTIMENT: "the customer sounds upset",
    REPEAT_CONTACT: "the customer wrote to us recently about another ticket",
    MODEL_UNAVAILABLE: "the automatic assistant is unavailable",
}


@dataclass(frozen=True)
class Thresholds:
    confidence: float = 0.7
    margin: float = 0.1
    negative_sentiment: float = -0.5  # only for bundles without an upset head
    upset: float = 0.7
    novelty: float | None = None  # None: the out-of-scope rule is off
    high_risk: frozenset[str] = field(default_factory=lambda: frozenset({"refund"}))


def customer_upset(*, upset: float | None, sentiment: float, thresholds: Thresholds) -> bool:
    """The upset rule: the upset head's probability where the version has one, else the old sentiment rule."""
    if upset is not None:
        return upset >= thresholds.upset
    return sentiment < thresholds.negative_sentiment


def escalation_reasons(
    *, category: str, confidence: float, margin: float, sentiment: float, thresholds: Thresholds,
    upset: float | None = None, novelty: float | None = None, repeat_contact: bool = False,
) -> list[str]:
    reasons = []
    if confidence < thresholds.confidence:
        reasons.append(LOW_CONFIDENCE)
    if margin < thresholds.margin:
        reasons.append(AMBIGUOUS)
    if novelty is not None and thresholds.novelty is not None and novelty > thresholds.novelty:
        reasons.append(OUT_OF_SCOPE)
    if category in thresholds.high_risk:
        reasons.append(HIGH_RISK)
    if customer_upset(upset=upset, sentiment=sentiment, thresholds=thresholds):
        reasons.append(NEGATIVE_SENTIMENT)
    if repeat_contact:
        reasons.append(REPEAT_CONTACT)
    return reasons
