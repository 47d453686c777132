"""The annotators' side of the queue: take, label, skip, undo, and reservations that expire (SPEC §5.3).

Every state change is a conditional UPDATE (compare-and-set), so concurrent annotators never overfill an
item, on SQLite and PostgreSQL alike. `slots_taken` counts live reservations plus labels given."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, LabelingItem
from labeling.realtime import queue_changed_push
from labeling.selectors import label_choices
from labeling.services.review import item_labels_complete, item_skipped

CANDIDATES_PER_TRY = 25
SUGGESTION_MAX = 100


class LabelingConflict(Exception):
    """The reservation is gone (expired, used, or never this annotator's)."""


class LabelingNotFound(Exception):
    """No such annotation or item for this person (another annotator's is never revealed)."""


def answer_clean(*, label: str, suggestion: str = "") -> tuple[str, str]:
    """(label, suggestion) as stored, or ValidationError: a category, "none of these", or a new category's name.

    A suggestion is kept only with the answer NEW_CATEGORY, whitespace collapsed."""
    suggestion = " ".join((suggestion or "").split())
    if label == NEW_CATEGORY:
        if not suggestion:
            raise ValidationError("name the category you suggest")
        if len(suggestion) > SUGGESTION_MAX:
            raise ValidationError(f"a suggested category is limited to {SUGGESTION_MAX} characters")
        return label, suggestion
    if label != NONE_OF_THESE and label not in label_choices():
        raise ValidationError(f"{label!r} is not a category")
    return label, ""


def annotations_expire(*, now=None) -> int:
    """Return expired reservations to the queue. Returns how many were released."""
    now = now or timezone.now()
    released = 0
    expired = Annotation.objects.filter(label="", skipped=False, expires_at__lte=now).values_list("pk", "item_id")
    for pk, item_id in list(expired):
        with transaction.atomic():
            deleted, _ = Annotation.objects.filter(pk=pk, label="", skipped=False, expires_at__lte=now).delete()
            if deleted:
                LabelingItem.objects.filter(pk=item_id, slots_taken__gt=0).update(slots_taken=F("slots_taken") - 1)
                released += 1
    if released:
        queue_changed_push()
    return released


def annotation_current(*, annotator) -> Annotation | None:
    return (
        Annotation.objects.filter(annotator=annotator, label="", skipped=False, expires_at__gt=timezone.now())
        .select_related("item").first()
    )


def annotation_take(*, annotator) -> Annotation | None:
    """The annotator's live reservation, or a new one on the next item they have not seen; None if none is left.

    Items that others already started come first, so that items (and batches) complete sooner."""
    annotations_expire()
    current = annotation_current(annotator=annotator)
    if current is not None:
        return current
    while True:
        candidates = list(
            LabelingItem.objects.filter(status=LabelingItem.Status.LABELING, slots_taken__lt=F("required_labels"))
            .exclude(annotations__annotator=annotator)
            .order_by("batch_id", "-slots_taken", "position").values_list("pk", flat=True)[:CANDIDATES_PER_TRY]
        )
        if not candidates:
            return None
        for pk in candidates:
            now = timezone.now()
            try:
                with transaction.atomic():
                    won = LabelingItem.objects.filter(
                        pk=pk, status=LabelingItem.Status.LABELING, slots_taken__lt=F("required_labels")
                    ).update(slots_taken=F("slots_taken") + 1)
                    if not won:
                        continue
                    annotation = Annotation.objects.create(
                        item_id=pk, annotator=annotator, reserved_at=now,
                        expires_at=now + timedelta(seconds=settings.SUPPORTLOOP_LABELING_RESERVATION_SECONDS),
                    )
                    queue_changed_push()
                    return Annotation.objects.select_related("item").get(pk=annotation.pk)
            except IntegrityError:
                continue  # the same annotator took it in another tab a moment ago


def annotation_submit(*, annotation_id: int, annotator, label: str, suggestion: str = "") -> Annotation:
    label, suggestion = answer_clean(label=label, suggestion=suggestion)
    now = timezone.now()
    with transaction.atomic():
        annotation = Annotation.objects.filter(pk=annotation_id, annotator=annotator).first()
        if annotation is None:
            raise LabelingConflict("this item is not reserved for you")
        done = Annotation.objects.filter(pk=annotation_id, annotator=annotator, label="", skipped=False).update(
            label=label, suggestion=suggestion, submitted_at=now,
            seconds_spent=(now - annotation.reserved_at).total_seconds(),
        )
        if not done:
            raise LabelingConflict("this reservation expired or was already answered; take the next item")
        item_labels_complete(item_id=annotation.item_id)
        queue_changed_push()
    annotation.refresh_from_db()
    return annotation


def annotation_skip(*, annotation_id: int, annotator) -> None:
    """Give the item back; it is not offered to this annotator again."""
    with transaction.atomic():
        annotation = Annotation.objects.filter(pk=annotation_id, annotator=annotator).first()
        done = annotation and Annotation.objects.filter(
            pk=annotation_id, annotator=annotator, label="", skipped=False
        ).update(skipped=True, submitted_at=timezone.now())
        if not done:
            raise LabelingConflict("this reservation expired or was already answered")
        LabelingItem.objects.filter(pk=annotation.item_id, slots_taken__gt=0).update(slots_taken=F("slots_taken") - 1)
        item_skipped(item_id=annotation.item_id)
        queue_changed_push()


def annotation_undo(*, annotator) -> Annotation:
    """Take back the annotator's last label within the undo window, while the batch is not yet judged.

    The label is cleared and the item is reserved for them again, so they can relabel it."""
    now = timezone.now()
    window = now - timedelta(seconds=settings.SUPPORTLOOP_LABELING_UNDO_SECONDS)
    with transaction.atomic():
        last = (
            Annotation.objects.filter(annotator=annotator, submitted_at__gte=window)
            .exclude(label="").select_related("item__batch").order_by("-submitted_at").first()
        )
        if last is None:
            raise LabelingConflict(
                f"nothing to undo: only a label from the last {settings.SUPPORTLOOP_LABELING_UNDO_SECONDS} s can be")
        item = last.item
        evaluated = item.batch.evaluated_at
        judged = item.status in (LabelingItem.Status.REVIEW, LabelingItem.Status.GOLD) or (
            evaluated is not None and last.submitted_at <= evaluated)
        if judged:
            raise LabelingConflict("too late to undo: the batch has already been judged")
        done = Annotation.objects.filter(pk=last.pk, label=last.label).update(
            label="", suggestion="", submitted_at=None, seconds_spent=None, reserved_at=now,
            expires_at=now + timedelta(seconds=settings.SUPPORTLOOP_LABELING_RESERVATION_SECONDS),
        )
        if not done:
            raise LabelingConflict("this label changed meanwhile")
        LabelingItem.objects.filter(pk=item.pk, status=LabelingItem.Status.LABELED).update(
            status=LabelingItem.Status.LABELING)
        queue_changed_push()
    last.refresh_from_db()
    return last


def annotation_change(*, annotation_id: int, annotator, label: str, suggestion: str = "") -> Annotation:
    """Change a label the annotator gave earlier (their history), while its item is not adjudicated.

    Nothing is re-run: an item still collecting labels, or complete and waiting for its batch, is judged
    later with the new label; an item in review shows the reviewer the new one. Adjudicated (gold) items
    are final: LabelingConflict."""
    label, suggestion = answer_clean(label=label, suggestion=suggestion)
    with transaction.atomic():
        annotation = (Annotation.objects.filter(pk=annotation_id, annotator=annotator).exclude(label="")
                      .select_related("item").first())
        if annotation is None:
            raise LabelingNotFound("no such label of yours")
        final = LabelingConflict("this item was already adjudicated, so its labels are final; "
                                 "your answer was not changed")
        if annotation.item.status == LabelingItem.Status.GOLD:
            raise final
        if (annotation.label, annotation.suggestion) == (label, suggestion):
            return annotation
        # Conditional on the item's status, so a reviewer's decision committed meanwhile wins.
        done = (Annotation.objects.filter(pk=annotation_id, annotator=annotator)
                .exclude(label="").exclude(item__status=LabelingItem.Status.GOLD)
                .update(label=label, suggestion=suggestion))
        if not done:
            raise final
    annotation.refresh_from_db()
    return annotation


def annotation_submit_next(*, annotation_id: int, annotator, label: str, suggestion: str = "") -> Annotation | None:
    """Label the reserved item and reserve the next one, so the annotator moves straight on."""
    annotation_submit(annotation_id=annotation_id, annotator=annotator, label=label, suggestion=suggestion)
    return annotation_take(annotator=annotator)


def annotation_skip_next(*, annotation_id: int, annotator) -> Annotation | None:
    annotation_skip(annotation_id=annotation_id, annotator=annotator)
    return annotation_take(annotator=annotator)
