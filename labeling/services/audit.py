"""The production audit of automatic answers: a random share of them labeled blind (policy: labeling/audit.py).

Draw. Every few minutes (beat "labeling-audit-sample") `audit_sample` reads the automatic answers in the
prediction log since the last one drawn (an inquiry the model answered without any escalation rule firing:
`Prediction.escalated` False, whatever became of the ticket later, so that a customer's follow-up does not
take a wrong answer out of the sample) and draws each with probability epsilon =
SUPPORTLOOP_AUDIT_SHARE by its token. A drawn one is claimed on the prediction log (its propensity
recorded, once: the draw is deterministic and the claim conditional, so reruns and overlapping runs draw
nothing twice) and queued as an item of a batch of trigger AUDIT. Annotators see it like any other item;
it carries no model category or probabilities, so reviewers of a disagreement are not anchored on the
answer being audited either. An inquiry already in the labeling queue (an active-learning batch picked it)
is not queued twice: its item becomes the audit's, since the draw did not depend on that choice.
The batch is judged by the same agreement policy as every other.

Outcome. When an audit item becomes gold, `audit_item_gold` reports the label to the prediction log
(the audited accuracy per version, mlcore.audit) and returns its training weight, 1/epsilon capped at
SUPPORTLOOP_AUDIT_WEIGHT_MAX (inverse propensity). Automatic answers reach training today only as
feedback's rows (mlcore.providers): the model's own category on the well-rated ones, which repeats the
model, most of all where it is confidently wrong. The audited label is a gold TrainingExample, which the
snapshot takes before any provider's row of the same text (providers are asked with those texts
excluded, as is the replay of older snapshots), so it replaces the pseudo-label; and weighted by
1/epsilon the audited answers stand for all the automatic answers they were drawn from, so the audit
sample corrects the automation's mistakes in proportion to how often they happen in production."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from labeling.audit import audit_drawn, audit_weight
from labeling.models import LabelingBatch, LabelingItem
from labeling.realtime import queue_changed_push
from mlcore.audit import prediction_audit_last_drawn_at, predictions_automatic
from mlcore.models import TrainingExample
from mlcore.predictions import prediction_audit_draw, prediction_audit_record
from mlcore.services import trainingexample_record
from supportdesk.models import Inquiry

logger = logging.getLogger(__name__)

# A prediction's row is timed inside the transaction that commits it a moment later: the scan starts this
# much before the newest draw, so a slow commit is not skipped (the rest is drawn again, to the same result).
AUDIT_OVERLAP = timedelta(minutes=15)
AUDIT_LOOKBACK = timedelta(days=1)  # the furthest back a scan goes (the first one, or after a long quiet)
CHUNK = 5000


@dataclass(frozen=True)
class AuditSample:
    considered: int  # automatic answers looked at
    drawn: int  # claimed for the audit in this run
    queued: int  # of those, new items
    adopted: int  # of those, items already in the labeling queue
    batch_ids: tuple[int, ...] = ()  # the audit batches it queued


def _tokens(ids: list[int]) -> dict[int, tuple[str, str]]:
    out: dict[int, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        for pk, token, text in Inquiry.objects.filter(pk__in=ids[start:start + CHUNK]).values_list(
                "pk", "token", "text"):
            out[pk] = (token, text)
    return out


def audit_sample(*, now: datetime | None = None) -> AuditSample:
    """Draw the automatic answers logged since the last draw and queue the drawn ones (see the module)."""
    share = settings.SUPPORTLOOP_AUDIT_SHARE
    if share <= 0:
        return AuditSample(considered=0, drawn=0, queued=0, adopted=0)
    now = now or timezone.now()
    last = prediction_audit_last_drawn_at()
    since = now - AUDIT_LOOKBACK if last is None else max(now - AUDIT_LOOKBACK, last - AUDIT_OVERLAP)
    answers = [a for a in predictions_automatic(since=since) if a.ref.isdigit()]
    versions = {int(a.ref): a.model_version for a in answers}
    inquiries = _tokens(list(versions))
    drawn = [pk for pk in versions if pk in inquiries and audit_drawn(token=inquiries[pk][0], share=share)]
    if not drawn:
        return AuditSample(considered=len(answers), drawn=0, queued=0, adopted=0)
    k = settings.SUPPORTLOOP_LABELING_ANNOTATORS
    with transaction.atomic():
        existing = {i.inquiry_id: i for i in LabelingItem.objects.filter(inquiry_id__in=drawn)}
        claimed = [pk for pk in drawn if prediction_audit_draw(ref=str(pk), propensity=share)]
        fresh = [pk for pk in claimed if pk not in existing]
        for pk in claimed:
            if pk in existing:
                _adopt(item=existing[pk], propensity=share)
        batches = []
        size = settings.SUPPORTLOOP_LABELING_BATCH_SIZE  # a batch is judged once all its items have their labels
        for start in range(0, len(fresh), size):
            part = fresh[start:start + size]
            mix = Counter(versions[pk] for pk in part)
            batch = LabelingBatch.objects.create(
                trigger=LabelingBatch.Trigger.AUDIT, strategy="audit", annotators_per_item=k, pool_size=len(answers),
                model_version=mix.most_common(1)[0][0] if len(mix) == 1 else "")
            LabelingItem.objects.bulk_create([
                LabelingItem(batch=batch, position=n, text=inquiries[pk][1], inquiry_id=pk, required_labels=k,
                             audit_propensity=share)  # blind: no model category, no probabilities
                for n, pk in enumerate(part)
            ])
            batches.append(batch.pk)
        if batches:
            queue_changed_push()
    result = AuditSample(considered=len(answers), drawn=len(claimed), queued=len(fresh),
                         adopted=len(claimed) - len(fresh), batch_ids=tuple(batches))
    logger.info("audit: %d of %d automatic answers drawn (%d queued in batches %s, %d already queued)",
                result.drawn, result.considered, result.queued, result.batch_ids, result.adopted)
    return result


def _adopt(*, item: LabelingItem, propensity: float) -> None:
    """A drawn answer already queued by another batch: its item is the audit's; a gold one reports at once."""
    if not LabelingItem.objects.filter(pk=item.pk, audit_propensity__isnull=True).update(audit_propensity=propensity):
        return
    item.refresh_from_db()  # after the update: a gold label set meanwhile is seen here or sees the propensity
    if item.status == LabelingItem.Status.GOLD and item.gold_label:
        weight = audit_item_gold(item=item, label=item.gold_label)
        trainingexample_record(text=item.text, category=item.gold_label, source=TrainingExample.Source.GOLD,
                               weight=weight)


def audit_item_gold(*, item: LabelingItem, label: str) -> float:
    """An item became gold: for an audit item, report the outcome to the ML core. Returns its training weight
    (1/propensity capped at SUPPORTLOOP_AUDIT_WEIGHT_MAX for an audit item, 1 for any other)."""
    propensity = item.audit_propensity
    if propensity is None and item.pk:  # the item may have been loaded before the audit adopted it
        propensity = LabelingItem.objects.filter(pk=item.pk).values_list("audit_propensity", flat=True).first()
    if propensity is None:
        return 1.0
    if item.inquiry_id is not None:
        prediction_audit_record(ref=str(item.inquiry_id), category=label)
    return audit_weight(propensity=propensity, cap=settings.SUPPORTLOOP_AUDIT_WEIGHT_MAX)
