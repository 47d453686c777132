"""The production audit: the draw and the weight (pure), sampling automatic answers into audit batches,
and what an audited gold label does (the prediction log, the weighted training example, the snapshot)."""

import random
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import ExplicitFeedback
from labeling.audit import audit_drawn, audit_value, audit_weight
from labeling.models import LabelingBatch, LabelingItem
from labeling.services import annotation_submit, annotation_take, review_decide
from labeling.services.audit import audit_sample
from labeling.tasks import labeling_audit_sample_task
from mlcore.models import Prediction, TrainingExample
from mlcore.serving import canary_bucket
from mlcore.snapshot import snapshot_build
from supportdesk.models import Inquiry
from tests.factories import LabelingBatchFactory, LabelingItemFactory, PredictionFactory

# --- the draw and the weight (pure) -------------------------------------------------------------------------


def tokens(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [rng.randbytes(18).hex() for _ in range(n)]


def test_the_draw_takes_about_epsilon_of_the_answers():
    drawn = sum(audit_drawn(token=t, share=0.02) for t in tokens(10_000))
    assert 150 <= drawn <= 250  # 200 expected, sd 14


def test_the_draw_is_independent_of_the_models_confidence_and_of_the_canary():
    rng = random.Random(1)
    ts = tokens(10_000, seed=1)
    confidence = [rng.random() for _ in ts]  # whatever the model said: the draw never sees it
    sure = [t for t, c in zip(ts, confidence, strict=True) if c >= 0.9]
    unsure = [t for t, c in zip(ts, confidence, strict=True) if c < 0.9]
    rate = {name: sum(audit_drawn(token=t, share=0.1) for t in group) / len(group)
            for name, group in (("sure", sure), ("unsure", unsure))}
    assert abs(rate["sure"] - rate["unsure"]) < 0.03 and abs(rate["unsure"] - 0.1) < 0.01
    # The canary answers the tokens whose unsalted hash is small: the audit must not draw just those.
    canary = [t for t in ts if canary_bucket(t) < 0.1]
    assert abs(sum(audit_drawn(token=t, share=0.1) for t in canary) / len(canary) - 0.1) < 0.03


def test_the_draw_is_fixed_per_token_and_nested_in_the_share():
    for t in tokens(500, seed=2):
        assert audit_value(t) == audit_value(t) and 0 <= audit_value(t) < 1
        if audit_drawn(token=t, share=0.02):
            assert audit_drawn(token=t, share=0.05)  # raising the share keeps every earlier draw
    assert not any(audit_drawn(token=t, share=0.0) for t in tokens(500))
    assert all(audit_drawn(token=t, share=1.0) for t in tokens(500))


@pytest.mark.parametrize(("propensity", "cap", "weight"), [
    (0.02, 50.0, 50.0), (0.05, 50.0, 20.0), (0.001, 50.0, 50.0),  # capped
    (0.02, 10.0, 10.0), (1.0, 50.0, 1.0), (None, 50.0, 1.0), (0.0, 50.0, 1.0),
])
def test_the_weight_is_the_inverse_propensity_capped(propensity, cap, weight):
    assert audit_weight(propensity=propensity, cap=cap) == pytest.approx(weight)


# --- sampling ---------------------------------------------------------------------------------------------


def drawn_tokens(n: int, *, share: float, drawn: bool = True) -> list[str]:
    out = []
    while len(out) < n:
        t = secrets.token_urlsafe(24)
        if audit_drawn(token=t, share=share) is drawn:
            out.append(t)
    return out


def answered(token: str, text: str, *, escalated: bool = False, category: str = "delivery",
             version: str = "v1") -> Inquiry:
    """An inquiry and its prediction-log row, as inquiry_submit leaves them."""
    inquiry = Inquiry.objects.create(token=token, text=text, category=category, model_version=version,
                                     status=Inquiry.Status.ESCALATED if escalated else Inquiry.Status.ANSWERED_AUTO)
    PredictionFactory(ref=str(inquiry.pk), model_version=version, category=category, escalated=escalated)
    return inquiry


@pytest.fixture
def share(settings):
    settings.SUPPORTLOOP_AUDIT_SHARE = 0.02
    settings.SUPPORTLOOP_AUDIT_WEIGHT_MAX = 50.0
    settings.SUPPORTLOOP_LABELING_ANNOTATORS = 2
    return 0.02


def test_drawn_automatic_answers_are_queued_blind_in_an_audit_batch(db, share):
    hit = [answered(t, f"where is my parcel {i}") for i, t in enumerate(drawn_tokens(3, share=share))]
    missed = [answered(t, f"parcel question {i}") for i, t in enumerate(drawn_tokens(5, share=share, drawn=False))]
    escalated = answered(drawn_tokens(1, share=share)[0], "angry about the parcel", escalated=True)
    result = audit_sample()
    assert (result.considered, result.drawn, result.queued, result.adopted) == (8, 3, 3, 0)
    (batch_id,) = result.batch_ids
    batch = LabelingBatch.objects.get(pk=batch_id)
    assert (batch.trigger, batch.strategy, batch.annotators_per_item, batch.model_version) == ("audit", "audit", 2,
                                                                                                "v1")
    items = list(batch.items.order_by("position"))
    assert [i.inquiry_id for i in items] == [q.pk for q in hit]
    for item in items:
        assert item.audit_propensity == share and item.required_labels == 2 and item.status == "labeling"
        assert item.model_category == "" and item.model_probabilities == {}  # nobody sees the answer audited
    logged = dict(Prediction.objects.values_list("ref", "audit_propensity"))
    assert all(logged[str(q.pk)] == share for q in hit)
    assert all(logged[str(q.pk)] is None for q in [*missed, escalated])


def test_sampling_is_idempotent_and_picks_up_new_answers(db, share):
    answered(drawn_tokens(1, share=share)[0], "first parcel question")
    first = audit_sample()
    again = audit_sample()
    assert first.queued == 1 and (again.drawn, again.batch_ids) == (0, ())
    answered(drawn_tokens(1, share=share)[0], "second parcel question")
    answered(drawn_tokens(1, share=share, drawn=False)[0], "not drawn")
    later = audit_sample()
    assert later.queued == 1 and later.batch_ids != first.batch_ids
    assert LabelingItem.objects.filter(batch__trigger="audit").count() == 2
    assert labeling_audit_sample_task()["drawn"] == 0  # the beat task, once more: nothing twice


def test_many_draws_are_queued_in_batches_of_the_usual_size(db, share, settings):
    settings.SUPPORTLOOP_LABELING_BATCH_SIZE = 2
    for i, t in enumerate(drawn_tokens(5, share=share)):
        answered(t, f"parcel {i}")
    result = audit_sample()
    sizes = [LabelingBatch.objects.get(pk=b).items.count() for b in result.batch_ids]
    assert sizes == [2, 2, 1]


def test_old_answers_beyond_the_lookback_are_not_drawn(db, share):
    answered(drawn_tokens(1, share=share)[0], "an old question")
    Prediction.objects.update(created_at=timezone.now() - timedelta(days=3))
    assert audit_sample().considered == 0


def test_no_share_no_audit(db, settings):
    settings.SUPPORTLOOP_AUDIT_SHARE = 0.0
    answered(drawn_tokens(1, share=0.02)[0], "a question")
    assert audit_sample().drawn == 0 and not LabelingBatch.objects.exists()


def test_an_answer_already_queued_becomes_the_audits_item_not_a_second_one(db, share):
    queued = answered(drawn_tokens(1, share=share)[0], "my parcel is late")
    item = LabelingItemFactory(inquiry=queued, text=queued.text)
    gold = answered(drawn_tokens(1, share=share)[0], "where is my order", category="delivery")
    done = LabelingItemFactory(inquiry=gold, text=gold.text, status="gold", gold_label="refund")
    TrainingExample.objects.create(text=gold.text, category="refund", source="gold")
    result = audit_sample()
    assert (result.drawn, result.queued, result.adopted, result.batch_ids) == (2, 0, 2, ())
    item.refresh_from_db()
    assert item.audit_propensity == share and LabelingItem.objects.count() == 2
    p = Prediction.objects.get(ref=str(gold.pk))
    assert (p.audit_propensity, p.audit_category) == (share, "refund") and p.audited_at is not None
    assert TrainingExample.objects.get(text=gold.text).weight == 50.0
    done.refresh_from_db()
    assert done.audit_propensity == share


# --- outcome ------------------------------------------------------------------------------------------------


def label(item_count: int, people, answer: str) -> None:
    for person in people:
        for _ in range(item_count):
            a = annotation_take(annotator=person)
            annotation_submit(annotation_id=a.pk, annotator=person, label=answer)


def test_an_audited_gold_label_reaches_the_prediction_log_and_training_weighted(db, share, annie, arthur, rita):
    inquiry = answered(drawn_tokens(1, share=share)[0], "I was charged twice for one order", category="delivery")
    audit_sample()
    label(1, [annie, arthur], "payment")
    item = LabelingItem.objects.get(inquiry=inquiry)
    assert (item.status, item.gold_label) == ("gold", "payment")
    p = Prediction.objects.get(ref=str(inquiry.pk))
    assert (p.category, p.audit_category) == ("delivery", "payment") and p.audited_at is not None
    example = TrainingExample.objects.get(source="gold", text=inquiry.text)
    assert (example.category, example.weight) == ("payment", 50.0)  # stands for 1/0.02 automatic answers
    review_decide(item_id=item.pk, reviewer=rita, label="refund")  # a reviewer corrects the gold label
    p.refresh_from_db()
    assert p.audit_category == "refund"
    assert TrainingExample.objects.get(source="gold", text=inquiry.text).weight == 50.0


def test_other_gold_labels_keep_weight_one(db, share, annie, arthur):
    batch = LabelingBatchFactory()
    LabelingItemFactory(batch=batch, position=0, text="an active-learning pick")
    label(1, [annie, arthur], "delivery")
    assert TrainingExample.objects.get(source="gold").weight == 1.0


def test_the_audited_label_replaces_the_feedback_pseudo_label_in_the_snapshot(db, share, settings, annie, arthur):
    settings.SUPPORTLOOP_EVAL_FRACTION = 0.0
    settings.SUPPORTLOOP_FEEDBACK_MIN_SCORE = 0.5
    text = "the parcel arrived but the blender inside is broken"
    audited = answered(drawn_tokens(1, share=share)[0], text, category="delivery")
    other = answered(drawn_tokens(1, share=share, drawn=False)[0], "parcel late again", category="delivery")
    for inquiry in (audited, other):  # the customers liked the answers: feedback offers both, as "delivery"
        ExplicitFeedback.objects.create(inquiry=inquiry, score=0.9, helpful=True)
    before = {r["text"]: r for r in snapshot_build().of("train")}
    assert before[text]["source"] == "feedback" and before[text]["category"] == "delivery"
    audit_sample()
    label(1, [annie, arthur], "refund")
    rows = [r for r in snapshot_build().of("train", "replay") if r["text"] == text]
    assert rows == [{"set": "train", "text": text, "category": "refund", "source": "gold", "weight": 50.0}]
    assert {r["text"]: r["source"] for r in snapshot_build().of("train")}["parcel late again"] == "feedback"


def test_the_beat_entry_runs_the_audit_task(settings):
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["labeling-audit-sample"]
    app.loader.import_default_modules()
    assert entry["task"] == "labeling.audit_sample" and entry["task"] in app.tasks
