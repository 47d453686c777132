"""Judging labels: batch agreement, the review policy (SPEC §5.4), reviewer decisions and gold labels (§5.5)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from labeling import agreement
from labeling.models import Annotation, LabelingBatch, LabelingItem, ReviewDecision
from labeling.realtime import queue_changed_push
from labeling.selectors import label_choices
from labeling.services.audit import audit_item_gold
from mlcore.models import TrainingExample
from mlcore.services import trainingexample_record

logger = logging.getLogger(__name__)


def _labels(item_id: int) -> list[str]:
    return list(Annotation.objects.filter(item_id=item_id).exclude(label="").order_by("submitted_at", "id")
                .values_list("label", flat=True))


def item_gold_set(*, item: LabelingItem, label: str, source: str) -> LabelingItem:
    """Make the label gold: on the item, and as a training example of source "gold" (SPEC §6.2)."""
    item.status = LabelingItem.Status.GOLD
    item.gold_label = label
    item.gold_source = source
    item.gold_at = timezone.now()
    item.save(update_fields=["status", "gold_label", "gold_source", "gold_at"])
    weight = audit_item_gold(item=item, label=label)  # 1.0 unless the item is one of the audit's draws
    trainingexample_record(text=item.text, category=label, source=TrainingExample.Source.GOLD, weight=weight)
    return item


def _apply(*, item: LabelingItem, decision: agreement.Decision, majority: bool) -> None:
    if decision.action == agreement.ACCEPT:
        item_gold_set(item=item, label=decision.label,
                      source=LabelingItem.GoldSource.MAJORITY if majority else LabelingItem.GoldSource.UNANIMOUS)
    elif decision.action == agreement.REVIEW:
        LabelingItem.objects.filter(pk=item.pk).update(status=LabelingItem.Status.REVIEW)
    else:  # one extra annotator
        LabelingItem.objects.filter(pk=item.pk).update(status=LabelingItem.Status.LABELING,
                                                       required_labels=F("required_labels") + 1)


def item_labels_complete(*, item_id: int) -> None:
    """Called after each label: when an item has all its labels, judge it (alone if its batch was already
    judged, as for an extra annotator's label), or the whole batch once its last item is complete."""
    item = LabelingItem.objects.select_related("batch").get(pk=item_id)
    labels = _labels(item_id)
    if len(labels) < item.required_labels:
        return
    if not LabelingItem.objects.filter(pk=item_id, status=LabelingItem.Status.LABELING).update(
            status=LabelingItem.Status.LABELED):
        return
    batch = item.batch
    if batch.evaluated_at is not None:
        item.status = LabelingItem.Status.LABELED
        decision = agreement.item_decision(kappa=batch.kappa, labels=labels, required=item.required_labels,
                                           base_required=batch.annotators_per_item, policy=batch.policy or None)
        _apply(item=item, decision=decision, majority=item.required_labels > batch.annotators_per_item)
    elif not batch.items.filter(status=LabelingItem.Status.LABELING).exists():
        labelingbatch_evaluate(batch_id=batch.pk)


def item_skipped(*, item_id: int) -> None:
    """An item that SKIPS_TO_REVIEW annotators skipped goes to a reviewer, so that it never holds its batch up."""
    skips = Annotation.objects.filter(item_id=item_id, skipped=True).count()
    if skips < settings.SUPPORTLOOP_LABELING_SKIPS_TO_REVIEW:
        return
    if LabelingItem.objects.filter(pk=item_id, status=LabelingItem.Status.LABELING).update(
            status=LabelingItem.Status.REVIEW):
        batch_id = LabelingItem.objects.values_list("batch_id", flat=True).get(pk=item_id)
        if not LabelingItem.objects.filter(batch_id=batch_id, status=LabelingItem.Status.LABELING).exists():
            labelingbatch_evaluate(batch_id=batch_id)


def labelingbatch_evaluate(*, batch_id: int) -> LabelingBatch:
    """Batch agreement (κ or α, and raw agreement), then the policy for every complete item; runs once per batch."""
    with transaction.atomic():
        batch = LabelingBatch.objects.get(pk=batch_id)
        items = list(batch.items.filter(status=LabelingItem.Status.LABELED))
        labels = {item.pk: _labels(item.pk) for item in items}
        summary = agreement.batch_agreement_summary(labels, annotators_per_item=batch.annotators_per_item)
        now = timezone.now()
        if not LabelingBatch.objects.filter(pk=batch_id, evaluated_at__isnull=True).update(
                evaluated_at=now, kappa=summary.kappa, kappa_measure=summary.measure, agreement=summary.agreement,
                policy=summary.policy):
            return batch
        for item in items:
            decision = agreement.item_decision(kappa=summary.kappa, labels=labels[item.pk],
                                               required=item.required_labels,
                                               base_required=batch.annotators_per_item, policy=summary.policy)
            _apply(item=item, decision=decision, majority=False)
        queue_changed_push()
    batch.refresh_from_db()
    logger.info("labeling batch %s judged: %s = %s, raw agreement %s, policy %s", batch.pk, summary.measure,
                summary.kappa, summary.agreement, batch.policy)
    return batch


def review_decide(*, item_id: int, reviewer, label: str, note: str = "") -> ReviewDecision:
    """A reviewer sets the gold label of an item in review (or corrects a gold one); every decision is kept."""
    if label not in label_choices():
        raise ValidationError(f"{label!r} is not a category")
    if len(note) > 2000:
        raise ValidationError("the note is limited to 2,000 characters")
    with transaction.atomic():
        item = LabelingItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or item.status not in (LabelingItem.Status.REVIEW, LabelingItem.Status.GOLD):
            raise ValidationError("this item is not open for review")
        if item.gold_label and item.gold_label != label:
            TrainingExample.objects.filter(source=TrainingExample.Source.GOLD, text=item.text,
                                           category=item.gold_label).delete()
        decision = ReviewDecision.objects.create(item=item, reviewer=reviewer, label=label, note=note.strip())
        item_gold_set(item=item, label=label, source=LabelingItem.GoldSource.REVIEW)
        queue_changed_push()
    return decision


def labelingbatches_evaluate_ready() -> int:
    """Judge every batch whose items all have their labels but that was not judged yet (a fallback for two
    last labels committed at the same moment, each seeing the other's item still open)."""
    ready = (LabelingBatch.objects.filter(evaluated_at__isnull=True)
             .exclude(items__status=LabelingItem.Status.LABELING).filter(items__isnull=False).distinct())
    count = 0
    for batch_id in ready.values_list("pk", flat=True):
        labelingbatch_evaluate(batch_id=batch_id)
        count += 1
    return count
