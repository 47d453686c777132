import math

import numpy as np
import pytest

from mlcore.drift import (
    confidence_histogram,
    drift_compare,
    drift_level,
    drift_reference,
    ks_sentiment,
    psi,
    psi_level,
)
from mlcore.drift_services import driftreport_compute
from mlcore.models import DriftReport, Prediction, TrainingRun


def test_psi_matches_hand_computed_values():
    # (0.4-0.5)·ln(0.4/0.5) + (0.6-0.5)·ln(0.6/0.5)
    assert psi([50, 50], [40, 60]) == pytest.approx(0.1 * math.log(1.25) + 0.1 * math.log(1.2), abs=1e-9)
    assert psi([0.25] * 4, [0.1, 0.2, 0.3, 0.4]) == pytest.approx(0.228217, abs=1e-6)
    assert psi([5, 5], [1, 9]) == pytest.approx(0.4 * math.log(5) + 0.4 * math.log(1.8), abs=1e-9)
    assert psi([3, 7], [30, 70]) == pytest.approx(0.0)  # shares, not counts


def test_psi_of_an_empty_bin_is_finite_and_large():
    value = psi([10, 0], [5, 5])
    assert math.isfinite(value) and value > 1
    with pytest.raises(ValueError):
        psi([1, 2], [0, 0])
    with pytest.raises(ValueError):
        psi([1, 2, 3], [1, 2])


def test_levels_at_the_thresholds():
    assert psi_level(0.0) == psi_level(0.1) == "ok"
    assert psi_level(0.1 + 1e-9) == psi_level(0.25) == "warning"
    assert psi_level(0.25 + 1e-9) == "critical"
    assert drift_level(psi_class=0.05, psi_confidence=0.3, ks_pvalue=0.5) == "critical"
    assert drift_level(psi_class=0.2, psi_confidence=0.0, ks_pvalue=None) == "warning"
    assert drift_level(psi_class=0.0, psi_confidence=0.0, ks_pvalue=0.001) == "warning"  # KS alone: at most warning
    assert drift_level(psi_class=0.0, psi_confidence=0.0, ks_pvalue=0.5) == "ok"


def test_ks_on_sentiment_and_confidence_bins():
    stat, p = ks_sentiment(np.array([1, 2, 3, 4.0]), np.array([3, 4, 5, 6.0]))
    assert stat == pytest.approx(0.5)  # ECDFs differ most at 2: 0.5 vs 0
    assert 0 < p <= 1
    assert confidence_histogram(np.array([0.0, 0.05, 0.1, 0.95, 1.0, 1.2])) == [2, 1, 0, 0, 0, 0, 0, 0, 0, 3]


def test_compare_against_a_reference():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55]])
    ref = drift_reference(labels=["a", "b"], probabilities=probs, sentiment=np.array([0.1, -0.2, 0.3, 0.0]))
    assert ref["class_counts"] == [2, 2] and sum(ref["confidence_histogram"]) == 4
    same = drift_compare(reference=ref, predicted=["a", "b", "a", "b"], confidences=np.array([0.9, 0.8, 0.7, 0.55]),
                         sentiments=np.array([0.1, -0.2, 0.3, 0.0]))
    assert same["psi_class"] == pytest.approx(0.0) and same["psi_confidence"] == pytest.approx(0.0)
    assert same["level"] == "ok" and same["ks_statistic"] == pytest.approx(0.0)
    shifted = drift_compare(reference=ref, predicted=["a"] * 9 + ["b"], confidences=np.full(10, 0.35),
                            sentiments=np.full(10, -0.9))
    assert shifted["level"] == "critical" and shifted["psi_class"] > 0.25
    assert shifted["details"]["recent_classes"] == [9, 1]


def _traffic(version: str, rows: list[tuple[str, float, float]]) -> None:
    Prediction.objects.bulk_create([
        Prediction(ref=str(i), model_version=version, category=c, confidence=conf, sentiment=s, escalated=False)
        for i, (c, conf, s) in enumerate(rows)
    ])


def test_traffic_like_the_training_data_is_ok(active_model, django_capture_on_commit_callbacks):
    ref = active_model.metrics["reference"]
    mids = [(i + 0.5) / 10 for i in range(10)]
    confs = [m for m, n in zip(mids, ref["confidence_histogram"], strict=True) for _ in range(n)]
    cats = [c for c, n in zip(ref["labels"], ref["class_counts"], strict=True) for _ in range(n)]
    sents = (ref["sentiment_sample"] * (len(cats) // len(ref["sentiment_sample"]) + 1))[: len(cats)]
    _traffic("v1", list(zip(cats, confs, sents, strict=True)))
    report = driftreport_compute()
    assert report.level == "ok", (report.psi_class, report.psi_confidence, report.ks_pvalue)
    assert report.psi_class == pytest.approx(0.0, abs=1e-9) and report.psi_confidence == pytest.approx(0.0, abs=1e-9)
    assert report.n_recent == len(cats) and report.model_version == active_model


def test_critical_drift_queues_a_retraining(active_model, django_capture_on_commit_callbacks, settings):
    settings.SUPPORTLOOP_DRIFT_MIN_SAMPLES = 50
    label = active_model.metrics["reference"]["labels"][0]
    _traffic("v1", [(label, 0.35, -0.9)] * 60)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = driftreport_compute()
    assert report.level == "critical" and report.psi_class > 0.25
    run = TrainingRun.objects.get()
    assert run.trigger == "drift" and run.status == "queued" and f"report #{report.pk}" in run.reason
    assert callbacks  # the training task is sent once the report is committed


def test_too_little_traffic_is_reported_as_such(active_model):
    _traffic("v1", [("delivery", 0.9, 0.0)] * 3)
    report = driftreport_compute()
    assert report.level == DriftReport.Level.INSUFFICIENT and report.n_recent == 3
    assert not TrainingRun.objects.exists()
