import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, LabelingBatch, LabelingItem, ReviewDecision
from labeling.selectors import PeerAgreement, annotator_stats, gold_rows, training_labels
from labeling.services import annotation_submit, annotation_take, labelingbatches_evaluate_ready, review_decide
from labeling.services.review import item_labels_complete
from mlcore.models import TrainingExample
from tests.factories import InquiryFactory, LabelingBatchFactory, LabelingItemFactory


def label_batch(batch, plan: dict[str, list[str]]) -> None:
    """plan: annotator → their label for each item of the batch, in item order."""
    for person, labels in plan.items():
        for _ in labels:
            a = annotation_take(annotator=person)
            annotation_submit(annotation_id=a.pk, annotator=person, label=labels[a.item.position])


def make_batch(n: int, k: int = 2) -> LabelingBatch:
    batch = LabelingBatchFactory(annotators_per_item=k)
    for i in range(n):
        LabelingItemFactory(batch=batch, position=i, text=f"inquiry number {i}")
    return batch


def statuses(batch) -> list[str]:
    return list(batch.items.order_by("position").values_list("status", flat=True))


def test_high_agreement_accepts_unanimous_items_and_adds_an_extra_annotator(annie, arthur, cora):
    batch = make_batch(6)
    a = ["delivery", "refund", "order", "invoice", "account", "payment"]
    b = ["delivery", "refund", "order", "invoice", "account", "refund"]  # κ ≈ 0.8
    label_batch(batch, {annie: a, arthur: b})
    batch.refresh_from_db()
    assert batch.kappa == pytest.approx(0.8, abs=0.01) and batch.kappa >= 0.8
    assert batch.policy == "accept_unanimous"
    assert statuses(batch)[:5] == ["gold"] * 5
    last = batch.items.get(position=5)
    assert last.status == "labeling" and last.required_labels == 3  # one extra annotator
    assert TrainingExample.objects.filter(source="gold").count() == 5
    extra = annotation_take(annotator=cora)
    assert extra.item == last
    annotation_submit(annotation_id=extra.pk, annotator=cora, label="payment")
    last.refresh_from_db()
    assert (last.status, last.gold_label, last.gold_source) == ("gold", "payment", "majority")


def test_middle_agreement_sends_only_disagreements_to_review(annie, arthur):
    batch = make_batch(5)
    a = ["delivery", "refund", "order", "invoice", "account"]
    b = ["delivery", "refund", "order", "invoice", "order"]  # κ = 0.75
    label_batch(batch, {annie: a, arthur: b})
    batch.refresh_from_db()
    assert 0.6 <= batch.kappa < 0.8 and batch.policy == "review_disagreements"
    assert statuses(batch) == ["gold", "gold", "gold", "gold", "review"]


def test_low_agreement_sends_the_whole_batch_to_review(annie, arthur):
    batch = make_batch(4)
    label_batch(batch, {annie: ["delivery", "refund", "order", "invoice"],
                        arthur: ["delivery", "order", "refund", "account"]})
    batch.refresh_from_db()
    assert batch.kappa < 0.6 and batch.policy == "review_all"
    assert statuses(batch) == ["review"] * 4
    assert not TrainingExample.objects.filter(source="gold").exists()


def test_extra_annotator_without_majority_goes_to_review(annie, arthur, cora):
    batch = make_batch(6)
    label_batch(batch, {annie: ["delivery", "refund", "order", "invoice", "account", "payment"],
                        arthur: ["delivery", "refund", "order", "invoice", "account", "refund"]})
    extra = annotation_take(annotator=cora)
    annotation_submit(annotation_id=extra.pk, annotator=cora, label="contact")
    assert batch.items.get(position=5).status == "review"


def test_reviewer_decision_makes_gold_and_every_decision_is_kept(annie, arthur, rita):
    batch = make_batch(2)
    label_batch(batch, {annie: ["delivery", "refund"], arthur: ["order", "invoice"]})
    item = batch.items.get(position=0)
    assert item.status == "review"
    review_decide(item_id=item.pk, reviewer=rita, label="order", note="the parcel is not lost")
    review_decide(item_id=item.pk, reviewer=rita, label="delivery")
    item.refresh_from_db()
    assert (item.status, item.gold_label, item.gold_source) == ("gold", "delivery", "review")
    assert list(ReviewDecision.objects.filter(item=item).values_list("label", "reviewer__username")) == [
        ("order", "rita"), ("delivery", "rita")]
    assert list(TrainingExample.objects.filter(source="gold", text=item.text).values_list("category", flat=True)) \
        == ["delivery"]


def test_review_refuses_items_still_being_labeled_and_bad_labels(rita):
    item = LabelingItemFactory()
    with pytest.raises(ValidationError, match="not open for review"):
        review_decide(item_id=item.pk, reviewer=rita, label="delivery")
    LabelingItem.objects.filter(pk=item.pk).update(status="review")
    with pytest.raises(ValidationError, match="not a category"):
        review_decide(item_id=item.pk, reviewer=rita, label="nonsense")


def test_batch_left_unjudged_is_picked_up_by_the_sweep(annie, arthur):
    batch = make_batch(2)
    for item in batch.items.all():
        LabelingItem.objects.filter(pk=item.pk).update(status="labeled", slots_taken=2)
        for person in (annie, arthur):
            item.annotations.create(annotator=person, label="delivery", reserved_at=item.created_at,
                                    expires_at=item.created_at, submitted_at=item.created_at)
    assert labelingbatches_evaluate_ready() == 1
    batch.refresh_from_db()
    assert batch.evaluated_at is not None and batch.kappa is None  # one label throughout: κ undefined
    assert batch.policy == "full_agreement" and batch.agreement == 1.0
    assert statuses(batch) == ["gold", "gold"]
    assert labelingbatches_evaluate_ready() == 0


def test_annotator_stats(annie, arthur, rita):
    batch = make_batch(4)
    label_batch(batch, {annie: ["delivery", "refund", "order", "invoice"],
                        arthur: ["delivery", "refund", "order", "account"]})
    item = batch.items.get(position=3)
    review_decide(item_id=item.pk, reviewer=rita, label="invoice")
    stats = {s.username: s for s in annotator_stats()}
    assert stats["annie"].items_done == 4 and stats["arthur"].items_done == 4
    assert stats["annie"].accuracy_vs_gold == 1.0
    assert stats["arthur"].accuracy_vs_gold == 0.75
    batch.refresh_from_db()
    peer = stats["annie"].peers[0]
    assert peer.peer == "arthur" and peer.n == 4 and peer.kappa == pytest.approx(batch.kappa)
    assert peer.agreement == 0.75 and batch.agreement == 0.75 and peer.reason == ""
    assert stats["annie"].median_seconds is not None


def test_stats_show_not_enough_data_instead_of_nan(annie, arthur):
    batch = make_batch(2)
    label_batch(batch, {annie: ["delivery", "delivery"], arthur: ["delivery", "delivery"]})
    stats = {s.username: s for s in annotator_stats()}
    assert stats["annie"].peers == [PeerAgreement(peer="arthur", kappa=None, n=2, agreement=1.0,
                                                  reason="every item got the same label, so kappa is undefined")]


def test_gold_rows_and_training_labels(annie, arthur):
    batch = make_batch(2)
    label_batch(batch, {annie: ["delivery", "refund"], arthur: ["delivery", "refund"]})
    rows = list(gold_rows())
    assert [r["label"] for r in rows] == ["delivery", "refund"]
    assert rows[0]["annotator_labels"] == ["delivery", "delivery"]
    InquiryFactory(text="Where is my refund?", confirmed_category="refund")
    InquiryFactory(text="inquiry number 0", confirmed_category="order")  # gold wins over the agent
    labels = training_labels()
    assert ("Where is my refund?", "refund", "agent") in labels
    assert ("inquiry number 0", "delivery", "gold") in labels
    assert len(labels) == 3


def test_three_annotators_per_item_use_krippendorffs_alpha(annie, arthur, cora):
    batch = make_batch(4, k=3)
    label_batch(batch, {annie: ["delivery", "refund", "order", "invoice"],
                        arthur: ["delivery", "refund", "order", "invoice"],
                        cora: ["delivery", "refund", "order", "account"]})
    batch.refresh_from_db()
    assert batch.kappa_measure == "krippendorff_alpha"
    # By hand: D_o = (4 mismatched ordered pairs / (3 − 1)) / 12 values = 1/6; D_e = (12² − Σ n_c²) / (12·11) = 112/132
    assert batch.kappa == pytest.approx(1 - (1 / 6) / (112 / 132))  # 0.80 → accept unanimous
    assert statuses(batch) == ["gold", "gold", "gold", "labeling"]
    assert batch.items.get(position=3).required_labels == 4  # one extra annotator


def answer(item, person, label: str, suggestion: str = "") -> None:
    """A label written straight to the table (the answer form is another page's), then judged as after a submit."""
    now = item.created_at
    Annotation.objects.create(item=item, annotator=person, label=label, suggestion=suggestion, reserved_at=now,
                              expires_at=now, submitted_at=now, seconds_spent=3.0)
    LabelingItem.objects.filter(pk=item.pk).update(slots_taken=item.annotations.count())
    item_labels_complete(item_id=item.pk)


def test_special_answers_go_to_review_whatever_the_kappa(annie, arthur):
    batch = make_batch(6)
    items = list(batch.items.order_by("position"))
    a = ["delivery", "refund", "order", "invoice", NONE_OF_THESE, NEW_CATEGORY]
    b = ["delivery", "refund", "order", "invoice", NONE_OF_THESE, NEW_CATEGORY]
    for item, x, y in zip(items, a, b, strict=True):
        answer(item, annie, x, "gift cards" if x == NEW_CATEGORY else "")
        answer(item, arthur, y, "vouchers" if y == NEW_CATEGORY else "")
    batch.refresh_from_db()
    assert batch.kappa == pytest.approx(1.0) and batch.policy == "accept_unanimous"  # special answers agree too
    assert batch.agreement == 1.0
    assert statuses(batch) == ["gold"] * 4 + ["review"] * 2
    assert not TrainingExample.objects.filter(category__in=[NONE_OF_THESE, NEW_CATEGORY]).exists()


def test_everyone_none_of_these_is_full_agreement_and_still_reviewed(annie, arthur):
    batch = make_batch(3)
    for item in batch.items.all():
        answer(item, annie, NONE_OF_THESE)
        answer(item, arthur, NONE_OF_THESE)
    batch.refresh_from_db()
    assert (batch.kappa, batch.agreement, batch.policy) == (None, 1.0, "full_agreement")
    assert statuses(batch) == ["review"] * 3


def test_raw_agreement_is_stored_with_the_batch(annie, arthur):
    batch = make_batch(4)
    label_batch(batch, {annie: ["delivery", "refund", "order", "invoice"],
                        arthur: ["delivery", "order", "refund", "account"]})
    batch.refresh_from_db()
    assert batch.agreement == 0.25 and batch.kappa < 0.6


def test_stats_page_in_the_all_same_labels_case_says_agreement_and_why_kappa_is_undefined(client, annie, arthur,
                                                                                          rita):
    batch = make_batch(3)
    label_batch(batch, {annie: ["refund"] * 3, arthur: ["refund"] * 3})
    client.force_login(rita)
    page = client.get(reverse("labeling:stats")).content.decode()
    pairs = page[page.index("Agreement between annotators"):page.index("Recent batches")]
    assert "annie and arthur" in pairs and "100%" in pairs
    assert "every item got the same label, so kappa is undefined" in pairs
    batches = page[page.index("Recent batches"):]
    assert "100%" in batches and "Cohen&#x27;s κ" in batches and "undefined" in batches
    assert "every item got the same label, so kappa is undefined" in batches
    assert "full_agreement" in batches and "full agreement" in batches
    assert "nan" not in page.lower().replace("unanimous", "")


def test_stats_page_with_too_few_shared_items_says_so(client, annie, arthur, rita):
    batch = make_batch(1)
    label_batch(batch, {annie: ["refund"], arthur: ["refund"]})
    client.force_login(rita)
    page = client.get(reverse("labeling:stats")).content.decode()
    assert "fewer than 2 shared items" in page and "so kappa is undefined" not in page
    batch.refresh_from_db()
    assert batch.policy == "undefined"
