from datetime import timedelta

import factory
import pytest
from django.utils import timezone

from mlcore.models import DriftReport, TrainingExample, TrainingRun
from mlcore.triggers import Facts, retrain_check, retrain_facts, retrain_reasons
from tests.factories import PredictionFactory

RULES = {"gold_threshold": 200, "corrections_min": 30, "accuracy_min": 0.85, "drop_max": 0.05, "every_hours": 168}


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
