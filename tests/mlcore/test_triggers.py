from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from mlcore.models import DriftReport, TrainingExample, TrainingRun
from mlcore.triggers import Facts, retrain_check, retrain_facts, retrain_reasons
from tests.factories import PredictionFactory

RULES = {"gold_threshold": 200, "corrections_min": 30, "accuracy_min": 0.85, "drop_max": 0.05, "every_hours": 168,
         "audit_min_samples": 30, "audit_accuracy_min": 0.8}


def facts(**kw) -> Facts:
    base = {"new_gold": 0, "drift_critical": False, "corrections": 0, "corrections_accuracy": None,
            "reference_accuracy": None, "hours_since_last": 1.0}
    return Facts(**{**base, **kw})


def triggers(**kw) -> list[str]:
    return [t for t, _ in retrain_reasons(facts=facts(**kw), **RULES)]


def test_nothing_new_means_no_retraining():
    assert triggers() == []


@pytest.mark.parametrize(("new_gold", "fires"), [(199, False), (200, True)])
def test_gold_label_threshold(new_gold, fires):
    assert ("gold_labels" in triggers(new_gold=new_gold)) is fires


def test_critical_drift():
    assert triggers(drift_critical=True) == ["drift"]


@pytest.mark.parametrize(("n", "acc", "ref", "fires"), [
    (30, 0.84, None, True),    # below 0.85
    (30, 0.85, None, False),   # at 0.85: not below
    (29, 0.50, None, False),   # too few corrections to judge
    (30, 0.88, 0.94, True),    # dropped by 0.06 > 0.05
    (30, 0.90, 0.95, False),   # dropped by exactly 0.05
])
def test_accuracy_on_agent_corrections(n, acc, ref, fires):
    got = triggers(corrections=n, corrections_accuracy=acc, reference_accuracy=ref)
    assert ("accuracy" in got) is fires


@pytest.mark.parametrize(("hours", "every", "fires"), [(167.9, 168, False), (168, 168, True), (500, 0, False),
                                                       (None, 168, False)])
def test_schedule(hours, every, fires):
    got = [t for t, _ in retrain_reasons(facts=facts(hours_since_last=hours), **{**RULES, "every_hours": every})]
    assert ("schedule" in got) is fires


def test_facts_count_only_what_is_new_since_the_last_run(active_model):
    old = TrainingRun.objects.create(trigger="manual", status="succeeded")
    TrainingRun.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    TrainingExample.objects.create(text="before", category="order", source="gold")
    TrainingExample.objects.filter(text="before").update(created_at=timezone.now() - timedelta(hours=3))
    for i in range(3):
        TrainingExample.objects.create(text=f"gold {i}", category="order", source="gold")
    DriftReport.objects.create(level="critical", model_version=active_model)
    PredictionFactory.create_batch(10, category="delivery", confirmed_at=timezone.now(),
                                   confirmed_category=factory.Iterator(["delivery"] * 8 + ["refund"] * 2))
    f = retrain_facts()
    assert f.new_gold == 3 and f.drift_critical
    assert f.corrections == 10 and f.corrections_accuracy == pytest.approx(0.8)
    assert f.hours_since_last == pytest.approx(2.0, abs=0.01)


def test_check_queues_one_run_with_every_reason(active_model, settings, django_capture_on_commit_callbacks):
    settings.SUPPORTLOOP_RETRAIN_GOLD_LABELS = 2
    for i in range(2):
        TrainingExample.objects.create(text=f"gold {i}", category="order", source="gold")
    DriftReport.objects.create(level="critical", model_version=active_model)
    with django_capture_on_commit_callbacks(execute=False):
        run = retrain_check()
        assert run.trigger == "gold_labels" and "critical drift" in run.reason and "2 new gold" in run.reason
        assert retrain_check() is None  # one open run at a time
    assert TrainingRun.objects.count() == 1


def test_a_new_category_ready_to_learn_starts_a_training():
    assert triggers(categories_ready=("card_arrival",)) == ["gold_labels"]
    (_, why), = retrain_reasons(facts=facts(categories_ready=("card_arrival",)), **RULES)
    assert "card_arrival" in why


def test_the_facts_name_a_new_category_once_it_has_its_gold_labels_and_only_until_a_run(db, settings):
    from mlcore.models import NewCategory

    settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = 3
    NewCategory.objects.create(name="card_arrival")
    for i in range(2):
        TrainingExample.objects.create(text=f"card {i}", category="card_arrival", source="gold")
    assert retrain_facts().categories_ready == ()
    TrainingExample.objects.create(text="card 2", category="card_arrival", source="gold")
    assert retrain_facts().categories_ready == ("card_arrival",)
    TrainingRun.objects.create(status=TrainingRun.Status.REJECTED, trigger="gold_labels")  # tried, not learnt
    assert retrain_facts().categories_ready == ()  # until a new gold label comes in


@pytest.mark.parametrize(("n", "acc", "fires"), [
    (30, 0.79, True),    # below 0.8 on enough audits
    (30, 0.80, False),   # at 0.8: not below
    (29, 0.10, False),   # too few audits to judge
    (0, None, False),    # not audited yet
])
def test_audited_accuracy_of_automatic_answers(n, acc, fires):
    got = retrain_reasons(facts=facts(audited=n, audited_accuracy=acc), **RULES)
    assert ("accuracy" in [t for t, _ in got]) is fires
    if fires:
        assert "audited accuracy 0.790" in got[0][1] and "30 audits" in got[0][1]


def test_facts_hold_the_active_versions_audits_since_the_last_run(active_model):
    old = TrainingRun.objects.create(trigger="manual", status="succeeded")
    TrainingRun.objects.filter(pk=old.pk).update(created_at=timezone.now() + timedelta(seconds=1))
    before = timezone.now() - timedelta(hours=1)
    PredictionFactory.create_batch(5, model_version=active_model.version, audit_propensity=0.02,
                                   audit_category="refund", audited_at=before)  # before the run: already acted on
    later = timezone.now() + timedelta(minutes=5)
    PredictionFactory.create_batch(3, model_version=active_model.version, category="delivery",
                                   audit_propensity=0.02, audited_at=later,
                                   audit_category=factory.Iterator(["delivery", "delivery", "refund"]))
    PredictionFactory(model_version="v0", audit_propensity=0.02, audit_category="refund", audited_at=later)
    f = retrain_facts()
    assert f.audited == 3 and f.audited_accuracy == pytest.approx(2 / 3)


def test_check_retrains_when_the_audit_finds_the_automation_wrong(active_model, settings,
                                                                  django_capture_on_commit_callbacks):
    settings.SUPPORTLOOP_AUDIT_MIN_SAMPLES = 4
    settings.SUPPORTLOOP_AUDIT_ACCURACY_MIN = 0.8
    PredictionFactory.create_batch(4, model_version=active_model.version, category="delivery",
                                   audit_propensity=0.02, audited_at=timezone.now() + timedelta(seconds=1),
                                   audit_category=factory.Iterator(["delivery", "refund"]))
    with django_capture_on_commit_callbacks(execute=False):
        run = retrain_check()
    assert run.trigger == "accuracy" and "audited accuracy 0.500" in run.reason
