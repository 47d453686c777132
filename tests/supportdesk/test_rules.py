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


TU = Thresholds(confidence=0.7, margin=0.1, negative_sentiment=-0.5, upset=0.6, novelty=1.5,
                high_risk=frozenset({"refund"}))


def reasons_with_heads(**kw):
    base = {"category": "delivery", "confidence": 0.9, "margin": 0.5, "sentiment": 0.0, "upset": 0.1, "novelty": 0.0}
    return escalation_reasons(**{**base, **kw}, thresholds=TU)


@pytest.mark.parametrize(("upset", "fires"), [(0.59999, False), (0.6, True), (0.99, True)])
def test_upset_boundary(upset, fires):
    assert (rules.NEGATIVE_SENTIMENT in reasons_with_heads(upset=upset)) is fires


def test_with_an_upset_head_a_negative_general_sentiment_is_not_anger():
    # "I still haven't received my card": negative as a tweet, calm as a support inquiry.
    assert reasons_with_heads(sentiment=-0.9, upset=0.05) == []


def test_without_an_upset_head_the_sentiment_rule_applies():
    assert reasons_with_heads(sentiment=-0.9, upset=None) == [rules.NEGATIVE_SENTIMENT]
    assert reasons_with_heads(sentiment=-0.4, upset=None) == []


@pytest.mark.parametrize(("novelty", "fires"), [(1.5, False), (1.50001, True)])
def test_out_of_scope_boundary(novelty, fires):
    assert (rules.OUT_OF_SCOPE in reasons_with_heads(novelty=novelty)) is fires


def test_out_of_scope_is_off_without_a_threshold_or_a_score():
    assert reasons(novelty=99.0) == []  # T has no novelty threshold
    assert reasons_with_heads(novelty=None) == []


def test_repeat_contact_is_a_reason_of_its_own():
    assert reasons_with_heads(repeat_contact=True) == [rules.REPEAT_CONTACT]
    assert set(rules.REASON_TEXT) == set(rules.ALL_REASONS)
