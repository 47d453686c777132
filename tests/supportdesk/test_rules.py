import pytest

from supportdesk import rules
from supportdesk.rules import Thresholds, escalation_reasons

T = Thresholds(confidence=0.7, margin=0.1, negative_sentiment=-0.5, high_risk=frozenset({"refund"}))


def reasons(**kw):
    base = {"category": "delivery", "confidence": 0.9, "margin": 0.5, "sentiment": 0.0}
    return escalation_reasons(**{**base, **kw}, thresholds=T)


def test_confident_calm_low_risk_is_not_escalated():
    assert reasons() == []


@pytest.mark.parametrize(("confidence", "fires"), [(0.69999, True), (0.7, False), (0.71, False)])
def test_low_confidence_boundary(confidence, fires):
    assert (rules.LOW_CONFIDENCE in reasons(confidence=confidence)) is fires


@pytest.mark.parametrize(("margin", "fires"), [(0.0999, True), (0.1, False)])
def test_ambiguous_boundary(margin, fires):
    assert (rules.AMBIGUOUS in reasons(margin=margin)) is fires


@pytest.mark.parametrize(("sentiment", "fires"), [(-0.51, True), (-0.5, False), (0.9, False)])
def test_negative_sentiment_boundary(sentiment, fires):
    assert (rules.NEGATIVE_SENTIMENT in reasons(sentiment=sentiment)) is fires


def test_high_risk_category_always_escalates():
    assert reasons(category="refund") == [rules.HIGH_RISK]


def test_every_rule_that_fires_is_recorded():
    got = reasons(category="refund", confidence=0.2, margin=0.01, sentiment=-0.9)
    assert got == [rules.LOW_CONFIDENCE, rules.AMBIGUOUS, rules.HIGH_RISK, rules.NEGATIVE_SENTIMENT]
