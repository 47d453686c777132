"""The production audit on the prediction log: Wilson's interval, the weighted estimate, the figures per version."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mlcore.audit import (
    audit_accuracy,
    audit_by_version,
    audit_estimate,
    prediction_audit_last_drawn_at,
    predictions_automatic,
    wilson_interval,
)
from mlcore.models import ModelVersion, Prediction
from mlcore.predictions import prediction_audit_draw, prediction_audit_record
from tests.factories import PredictionFactory


@pytest.mark.parametrize(("successes", "n", "low", "high"), [
    (8, 10, 0.4902, 0.9433),   # the textbook example (Newcombe 1998)
    (0, 10, 0.0, 0.2775),      # no success: the interval still has width, unlike the normal approximation's
    (10, 10, 0.7225, 1.0),
    (50, 100, 0.4038, 0.5962),
])
def test_wilson_interval_known_values(successes, n, low, high):
    got = wilson_interval(successes=successes, n=n)
    assert got == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_of_nothing_is_none():
    assert wilson_interval(successes=0, n=0) is None


def test_the_estimate_is_the_share_correct_at_one_share():
    e = audit_estimate(correct=[True] * 8 + [False] * 2, propensities=[0.02] * 10)
    assert (e.n, e.correct, e.accuracy) == (10, 8, pytest.approx(0.8))
    assert (e.low, e.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert audit_estimate(correct=[], propensities=[]).accuracy is None


def test_audits_drawn_at_a_smaller_share_stand_for_more_answers():
    # One right answer drawn at 1% stands for 100 answers, one wrong at 4% for 25: 100/125 right.
    e = audit_estimate(correct=[True, False], propensities=[0.01, 0.04])
    assert e.accuracy == pytest.approx(0.8)
    assert e.n == 2 and e.correct == 1
    # Unequal weights leave fewer effective audits (Kish: 125² / (100² + 25²) = 1.47 of 2): a wider interval.
    even = audit_estimate(correct=[True] * 4 + [False], propensities=[0.02] * 5)
    assert even.accuracy == pytest.approx(0.8) and e.high - e.low > even.high - even.low


def audited(n_right: int, n_wrong: int, *, version: str = "v1", p: float = 0.02, **fields) -> None:
    now = timezone.now()
    for i in range(n_right + n_wrong):
        PredictionFactory(model_version=version, category="delivery", audit_propensity=p, audited_at=now,
                          audit_category="delivery" if i < n_right else "refund", **fields)


def test_figures_per_version_count_only_automatic_answers_that_were_audited(db):
    ModelVersion.objects.create(version="v1", status="retired", artifact_prefix="a", sha256="x", snapshot_id="s")
    ModelVersion.objects.create(version="v2", status="active", artifact_prefix="b", sha256="y", snapshot_id="t")
    audited(9, 1, version="v1")
    PredictionFactory.create_batch(40, model_version="v1")  # not drawn
    PredictionFactory(model_version="v1", audit_propensity=0.02)  # drawn, awaiting its labels
    PredictionFactory.create_batch(5, model_version="v1", escalated=True, confirmed_category="refund")
    PredictionFactory.create_batch(3, model_version="v2")
    rows = {a.version: a for a in audit_by_version()}
    assert list(rows) == ["v2", "v1"]  # the newest version first
    v1 = rows["v1"]
    assert (v1.automatic, v1.drawn, v1.estimate.n, v1.estimate.correct, v1.pending) == (51, 11, 10, 9, 1)
    assert v1.estimate.accuracy == pytest.approx(0.9) and 0.55 < v1.estimate.low < 0.6
    assert rows["v2"].estimate.n == 0 and rows["v2"].estimate.accuracy is None
    (named,) = audit_by_version(versions=["v9"])
    assert (named.version, named.automatic, named.estimate.n) == ("v9", 0, 0)


def test_accuracy_since_counts_only_later_audits(db):
    audited(1, 3)
    Prediction.objects.update(audited_at=timezone.now() - timedelta(days=2))
    audited(4, 0)
    assert audit_accuracy(version="v1").n == 8
    later = audit_accuracy(version="v1", since=timezone.now() - timedelta(days=1))
    assert (later.n, later.accuracy) == (4, 1.0)


def test_draw_and_outcome_are_recorded_once_on_automatic_answers(db):
    auto = PredictionFactory(ref="7")
    PredictionFactory(ref="8", escalated=True)
    assert prediction_audit_draw(ref="7", propensity=0.02) is True
    assert prediction_audit_draw(ref="7", propensity=0.02) is False  # already drawn
    assert prediction_audit_draw(ref="8", propensity=0.02) is False  # escalated: not an automatic answer
    assert prediction_audit_record(ref="7", category="refund") == 1
    assert prediction_audit_record(ref="8", category="refund") == 0
    auto.refresh_from_db()
    assert (auto.audit_propensity, auto.audit_category) == (0.02, "refund") and auto.audited_at is not None
    assert prediction_audit_last_drawn_at() == auto.created_at
    assert [a.ref for a in predictions_automatic(since=timezone.now() - timedelta(hours=1))] == []
