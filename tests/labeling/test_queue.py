import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, LabelingItem
from labeling.services import (
    LabelingConflict,
    annotation_skip,
    annotation_submit,
    annotation_take,
    annotation_undo,
    annotations_expire,
)
from labeling.services.queue import LabelingNotFound, annotation_change
from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory


def test_take_reserves_one_item_and_resumes_it(annie):
    item = LabelingItemFactory()
    first = annotation_take(annotator=annie)
    assert first.item == item and first.label == ""
    assert annotation_take(annotator=annie).pk == first.pk  # a reload shows the same reservation
    item.refresh_from_db()
    assert item.slots_taken == 1


def test_never_an_item_already_labeled_by_the_same_annotator(annie):
    batch = LabelingBatchFactory()
    a, b = LabelingItemFactory(batch=batch, position=0), LabelingItemFactory(batch=batch, position=1)
    first = annotation_take(annotator=annie)
    nxt = None
    annotation_submit(annotation_id=first.pk, annotator=annie, label="delivery")
    nxt = annotation_take(annotator=annie)
    assert {first.item_id, nxt.item_id} == {a.pk, b.pk}
    annotation_submit(annotation_id=nxt.pk, annotator=annie, label="refund")
    assert annotation_take(annotator=annie) is None


def test_never_more_than_k_in_flight(annie, arthur, cora):
    item = LabelingItemFactory()  # k = 2
    assert annotation_take(annotator=annie).item == item
    assert annotation_take(annotator=arthur).item == item
    assert annotation_take(annotator=cora) is None
    item.refresh_from_db()
    assert item.slots_taken == 2


def test_items_others_started_come_first(annie, arthur):
    batch = LabelingBatchFactory()
    LabelingItemFactory(batch=batch, position=0)
    second = LabelingItemFactory(batch=batch, position=1)
    Annotation.objects.create(item=second, annotator=arthur, label="order", reserved_at=timezone.now(),
                              expires_at=timezone.now(), submitted_at=timezone.now())
    LabelingItem.objects.filter(pk=second.pk).update(slots_taken=1)
    assert annotation_take(annotator=annie).item_id == second.pk


def test_expired_reservations_return_to_the_queue(annie, arthur, cora):
    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_take(annotator=arthur)
    assert annotation_take(annotator=cora) is None
    Annotation.objects.filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    taken = annotation_take(annotator=cora)  # taking sweeps expired reservations first
    assert taken.item == item
    assert not Annotation.objects.filter(pk=a.pk).exists()
    with pytest.raises(LabelingConflict):
        annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    item.refresh_from_db()
    assert item.slots_taken == 2


def test_expire_sweep_counts_and_keeps_labels(annie):
    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    Annotation.objects.filter(pk=a.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    assert annotations_expire() == 0  # a given label never expires
    item.refresh_from_db()
    assert item.slots_taken == 1


def test_submit_checks_owner_and_label(annie, arthur):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    with pytest.raises(LabelingConflict):
        annotation_submit(annotation_id=a.pk, annotator=arthur, label="delivery")
    with pytest.raises(ValidationError):
        annotation_submit(annotation_id=a.pk, annotator=annie, label="<script>")
    annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    with pytest.raises(LabelingConflict):
        annotation_submit(annotation_id=a.pk, annotator=annie, label="refund")  # a label is given once


def test_skip_releases_the_slot_and_is_not_offered_again(annie, arthur):
    item = LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_skip(annotation_id=a.pk, annotator=annie)
    item.refresh_from_db()
    assert item.slots_taken == 0
    assert annotation_take(annotator=annie) is None
    assert annotation_take(annotator=arthur).item == item


def test_undo_within_the_window_reopens_the_item_for_the_same_annotator(annie, arthur):
    batch = LabelingBatchFactory()
    item = LabelingItemFactory(batch=batch, position=0)
    LabelingItemFactory(batch=batch, position=1)
    a = annotation_take(annotator=annie)
    b = annotation_take(annotator=arthur)
    assert a.item_id == b.item_id == item.pk
    annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    annotation_take(annotator=annie)  # annie moved on
    undone = annotation_undo(annotator=annie)
    assert undone.pk == a.pk and undone.label == ""
    assert annotation_take(annotator=annie).pk == a.pk  # back to the item she undid
    annotation_submit(annotation_id=a.pk, annotator=annie, label="refund")
    assert Annotation.objects.get(pk=a.pk).label == "refund"


def test_undo_after_the_window_is_refused(annie, settings):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery")
    Annotation.objects.filter(pk=a.pk).update(submitted_at=timezone.now() - timedelta(seconds=31))
    with pytest.raises(LabelingConflict, match="30 s"):
        annotation_undo(annotator=annie)


@pytest.mark.django_db(transaction=True)
def test_two_annotators_racing_for_the_last_slot():
    people = [UserFactory(username=f"racer{i}", roles=["annotator"]) for i in range(3)]
    for round_ in range(8):
        item = LabelingItemFactory(required_labels=2, batch__annotators_per_item=2)
        first = annotation_take(annotator=people[0])
        assert first.item == item
        barrier = threading.Barrier(2)
        results = {}

        def take(person, barrier=barrier, results=results):
            barrier.wait()
            try:
                got = annotation_take(annotator=person)
                results[person.username] = got.item_id if got else None
            finally:
                connection.close()

        threads = [threading.Thread(target=take, args=(p,)) for p in people[1:]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values(), key=str) == sorted([item.pk, None], key=str), round_
        item.refresh_from_db()
        assert item.slots_taken == 2
        assert item.annotations.count() == 2
        Annotation.objects.filter(item=item).update(label="delivery", submitted_at=timezone.now())
        LabelingItem.objects.filter(pk=item.pk).update(status="gold")


def test_an_item_everyone_skips_goes_to_review_and_does_not_hold_its_batch(annie, arthur, cora):
    batch = LabelingBatchFactory()
    hard = LabelingItemFactory(batch=batch, position=0)
    easy = LabelingItemFactory(batch=batch, position=1)
    for person in (annie, arthur):
        while (a := annotation_take(annotator=person)) is not None:
            if a.item == hard:
                annotation_skip(annotation_id=a.pk, annotator=person)
            else:
                annotation_submit(annotation_id=a.pk, annotator=person, label="delivery")
    batch.refresh_from_db()
    assert batch.evaluated_at is None  # the hard item still waits
    c = annotation_take(annotator=cora)
    annotation_skip(annotation_id=c.pk, annotator=cora)  # the third skip
    hard.refresh_from_db()
    batch.refresh_from_db()
    assert hard.status == "review" and batch.evaluated_at is not None
    assert LabelingItem.objects.get(pk=easy.pk).status == "gold"


# Answers besides a category, and changes from the annotator's history.


def test_none_of_these_is_an_answer(annie):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    done = annotation_submit(annotation_id=a.pk, annotator=annie, label=NONE_OF_THESE, suggestion="ignored")
    assert (done.label, done.suggestion) == (NONE_OF_THESE, "")


def test_a_new_category_needs_its_name_of_at_most_100_characters(annie):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(ValidationError):
            annotation_submit(annotation_id=a.pk, annotator=annie, label=NEW_CATEGORY, suggestion=bad)
    assert Annotation.objects.get(pk=a.pk).label == ""  # still reserved, nothing stored
    done = annotation_submit(annotation_id=a.pk, annotator=annie, label=NEW_CATEGORY,
                             suggestion="  Card   stolen abroad ")
    assert (done.label, done.suggestion) == (NEW_CATEGORY, "Card stolen abroad")


def test_a_category_answer_keeps_no_suggestion(annie):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    assert annotation_submit(annotation_id=a.pk, annotator=annie, label="delivery", suggestion="x").suggestion == ""


def test_undo_clears_a_suggestion(annie):
    LabelingItemFactory()
    a = annotation_take(annotator=annie)
    annotation_submit(annotation_id=a.pk, annotator=annie, label=NEW_CATEGORY, suggestion="Card stolen")
    back = annotation_undo(annotator=annie)
    assert (back.label, back.suggestion) == ("", "")


def _label(person, label: str, suggestion: str = "") -> Annotation:
    a = annotation_take(annotator=person)
    return annotation_submit(annotation_id=a.pk, annotator=person, label=label, suggestion=suggestion)


def test_change_while_the_item_collects_labels(annie, arthur):
    item = LabelingItemFactory()
    mine = _label(annie, "delivery")
    changed = annotation_change(annotation_id=mine.pk, annotator=annie, label=NEW_CATEGORY, suggestion="Lost card")
    assert (changed.label, changed.suggestion) == (NEW_CATEGORY, "Lost card")
    item.refresh_from_db()
    assert item.status == "labeling" and item.slots_taken == 1  # nothing re-run, nothing reopened
    back = annotation_change(annotation_id=mine.pk, annotator=annie, label="refund", suggestion="dropped")
    assert (back.label, back.suggestion) == ("refund", "")


def test_a_complete_item_waiting_for_its_batch_is_judged_with_the_changed_label(annie, arthur):
    batch = LabelingBatchFactory()
    first = LabelingItemFactory(batch=batch, position=0)
    second = LabelingItemFactory(batch=batch, position=1)
    mine = _label(annie, "delivery")  # first
    assert mine.item_id == first.pk
    _label(arthur, "refund")  # first: complete, a disagreement
    first.refresh_from_db()
    assert first.status == "labeled"
    annotation_change(annotation_id=mine.pk, annotator=annie, label="refund")
    first.refresh_from_db()
    assert first.status == "labeled"  # still waits for its batch
    _label(annie, "delivery")  # second
    _label(arthur, "delivery")  # second: the batch is complete and judged (κ = 1 with the change)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.gold_label) == ("gold", "refund")
    assert (second.status, second.gold_label) == ("gold", "delivery")


def test_change_on_an_item_in_review_is_allowed(annie, arthur):
    item = LabelingItemFactory()
    mine = _label(annie, "delivery")
    _label(arthur, "refund")
    item.refresh_from_db()
    assert item.status == "review"
    assert annotation_change(annotation_id=mine.pk, annotator=annie, label=NONE_OF_THESE).label == NONE_OF_THESE


def test_change_on_an_adjudicated_item_is_a_conflict(annie, arthur):
    item = LabelingItemFactory()
    mine = _label(annie, "delivery")
    _label(arthur, "delivery")
    item.refresh_from_db()
    assert item.status == "gold"
    with pytest.raises(LabelingConflict, match="already adjudicated"):
        annotation_change(annotation_id=mine.pk, annotator=annie, label="refund")
    with pytest.raises(LabelingConflict):
        annotation_change(annotation_id=mine.pk, annotator=annie, label="delivery")  # final, even unchanged
    assert Annotation.objects.get(pk=mine.pk).label == "delivery"


def test_change_of_someone_elses_label_or_a_reservation_is_not_found(annie, arthur):
    LabelingItemFactory()
    theirs = _label(arthur, "delivery")
    with pytest.raises(LabelingNotFound):
        annotation_change(annotation_id=theirs.pk, annotator=annie, label="refund")
    reserved = annotation_take(annotator=annie)
    with pytest.raises(LabelingNotFound):
        annotation_change(annotation_id=reserved.pk, annotator=annie, label="refund")
    with pytest.raises(ValidationError):
        annotation_change(annotation_id=theirs.pk, annotator=arthur, label="no_such_category")
    assert Annotation.objects.get(pk=theirs.pk).label == "delivery"
