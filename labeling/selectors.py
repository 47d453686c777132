"""Reads for the labeling pages, statistics and exports. Nothing here shows an annotator another's label."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Prefetch, Q

from core.roles import ANNOTATOR, REVIEWER, user_has_role
from labeling import agreement
from labeling.answers import NEW_CATEGORY, answer_is_special
from labeling.models import Annotation, LabelingBatch, LabelingItem
from mlcore.selectors import newcategories_described, newcategory_names
from supportdesk.models import Inquiry
from supportdesk.selectors import category_choices


def label_choices() -> list[str]:
    """The categories annotators and reviewers choose from: an agent's choices plus the categories added
    from topics (mlcore.NewCategory), which no model predicts before it has learnt them from these labels."""
    return sorted(set(category_choices()) | set(newcategory_names()))


def label_descriptions() -> list[tuple[str, str]]:
    """What the new categories mean (their admin's description): no model has learnt them yet."""
    return newcategories_described()


@dataclass(frozen=True)
class QueueCounts:
    waiting: int  # items still needing labels
    available: int  # of those, ones this annotator may take now
    done_by_me: int
    review: int


def queue_counts(*, annotator=None) -> QueueCounts:
    open_items = LabelingItem.objects.filter(status=LabelingItem.Status.LABELING)
    available = done = 0
    if annotator is not None:
        available = (open_items.filter(slots_taken__lt=F("required_labels"))
                     .exclude(annotations__annotator=annotator).count())
        done = Annotation.objects.filter(annotator=annotator).exclude(label="").count()
    return QueueCounts(waiting=open_items.count(), available=available, done_by_me=done,
                       review=LabelingItem.objects.filter(status=LabelingItem.Status.REVIEW).count())


@dataclass(frozen=True)
class LabelShown:
    annotator: str
    label: str
    special: bool  # one of labeling.answers.SPECIAL, shown as written
    suggestion: str  # the new category proposed, with NEW_CATEGORY


@dataclass(frozen=True)
class ReviewRow:
    item: LabelingItem
    labels: list[LabelShown]
    reasons: list[tuple[str, str]]  # (code, words) from agreement.REVIEW_REASONS
    comments: int
    flagged: bool

    @property
    def pk(self) -> int:
        return self.item.pk


def review_queue(*, limit: int = 200) -> list[ReviewRow]:
    """Items awaiting review, with each annotator's label, why the item is here and its comments (two queries).

    Reviewers only: these are other people's labels."""
    answered = Annotation.objects.select_related("annotator").order_by("submitted_at", "id")
    items = (LabelingItem.objects.filter(status=LabelingItem.Status.REVIEW).select_related("batch")
             .annotate(comment_count=Count("comments", distinct=True),
                       flagged_count=Count("comments", filter=Q(comments__flagged=True), distinct=True))
             .prefetch_related(Prefetch("annotations", queryset=answered, to_attr="answers"))
             .order_by("batch_id", "position")[:limit])
    rows = []
    for item in items:
        given = [a for a in item.answers if a.label]
        labels = [a.label for a in given]
        skips = sum(1 for a in item.answers if a.skipped)
        codes = agreement.review_reasons(labels=labels, skips=skips, required=item.required_labels,
                                         policy=item.batch.policy, flagged=item.flagged_count > 0)
        rows.append(ReviewRow(
            item=item,
            labels=[LabelShown(annotator=a.annotator.username, label=a.label, special=answer_is_special(a.label),
                               suggestion=a.suggestion if a.label == NEW_CATEGORY else "") for a in given],
            reasons=[(code, agreement.REVIEW_REASONS[code]) for code in codes],
            comments=item.comment_count, flagged=item.flagged_count > 0,
        ))
    return rows


def review_item_get(*, item_id: int) -> LabelingItem | None:
    """An item a reviewer may see with its labels: only once it left labeling (in review, or gold)."""
    return (LabelingItem.objects.filter(pk=item_id, status__in=[LabelingItem.Status.REVIEW, LabelingItem.Status.GOLD])
            .select_related("batch").first())


def review_item_context(*, item: LabelingItem) -> dict:
    annotations = list(item.annotations.exclude(label="").select_related("annotator").order_by("submitted_at"))
    return {
        "item": item,
        "annotations": annotations,
        "decisions": list(item.decisions.select_related("reviewer")),
        "probabilities": sorted(item.model_probabilities.items(), key=lambda kv: -kv[1])[:5],
    }


def review_next_id(*, after_id: int | None = None) -> int | None:
    qs = LabelingItem.objects.filter(status=LabelingItem.Status.REVIEW).order_by("batch_id", "position")
    if after_id is not None:
        qs = qs.exclude(pk=after_id)
    return qs.values_list("pk", flat=True).first()


@dataclass(frozen=True)
class PeerAgreement:
    peer: str
    kappa: float | None
    n: int  # items both labeled
    agreement: float  # share of those where both gave the same label
    reason: str  # why κ is undefined, else ""


@dataclass
class AnnotatorStats:
    username: str
    items_done: int
    median_seconds: float | None
    accuracy_vs_gold: float | None
    gold_compared: int
    peers: list[PeerAgreement] = field(default_factory=list)


def peer_kappa_adjudicated_only(*, viewer) -> bool:
    """Whether the per-peer κ shown to this viewer counts adjudicated (gold) items only (agreement's policy)."""
    return agreement.peer_kappa_adjudicated_only(reviewer=user_has_role(viewer, REVIEWER),
                                                 annotator=user_has_role(viewer, ANNOTATOR))


def annotator_stats(*, adjudicated_only: bool = False) -> list[AnnotatorStats]:
    """Per annotator: items done, median time per item, Cohen's κ and raw agreement with each peer, accuracy
    against gold.

    adjudicated_only: κ over items already settled as gold, whose labels are final and open to reviewers."""
    rows = (Annotation.objects.exclude(label="")
            .values_list("annotator_id", "item_id", "label", "seconds_spent", "item__gold_label", "item__status"))
    by_item: dict[int, dict[int, str]] = defaultdict(dict)
    settled: dict[int, dict[int, str]] = defaultdict(dict)
    seconds: dict[int, list[float]] = defaultdict(list)
    right: dict[int, list[bool]] = defaultdict(list)
    for annotator_id, item_id, label, spent, gold, status in rows:
        by_item[item_id][annotator_id] = label
        if status == LabelingItem.Status.GOLD:
            settled[item_id][annotator_id] = label
        if spent is not None:
            seconds[annotator_id].append(spent)
        if gold:
            right[annotator_id].append(label == gold)
    pairs = agreement.pairwise_kappas(settled if adjudicated_only else by_item)
    names = dict(get_user_model().objects.filter(pk__in={a for labels in by_item.values() for a in labels})
                 .values_list("pk", "username"))
    result = []
    for pk, name in sorted(names.items(), key=lambda kv: kv[1]):
        peers = []
        for (a, b), value in pairs.items():
            if pk in (a, b):
                peers.append(PeerAgreement(peer=names[b if a == pk else a], kappa=value["kappa"], n=value["n"],
                                           agreement=value["agreement"], reason=value["reason"]))
        done = sum(1 for labels in by_item.values() if pk in labels)
        result.append(AnnotatorStats(
            username=name, items_done=done,
            median_seconds=statistics.median(seconds[pk]) if seconds[pk] else None,
            accuracy_vs_gold=sum(right[pk]) / len(right[pk]) if right[pk] else None,
            gold_compared=len(right[pk]), peers=sorted(peers, key=lambda p: p.peer),
        ))
    return result


def batches_recent(*, limit: int = 20) -> list[dict]:
    """The latest batches with their item counts by status and their agreement explained (two queries)."""
    batches = list(LabelingBatch.objects.order_by("-id")[:limit])
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    shared: dict[int, int] = defaultdict(int)
    rows = (LabelingItem.objects.filter(batch_id__in=[b.pk for b in batches])
            .annotate(labels=Count("annotations", filter=~Q(annotations__label="")))
            .values_list("batch_id", "status", "labels"))
    for batch_id, status, labels in rows:
        counts[batch_id][status] += 1
        shared[batch_id] += labels >= 2
    out = []
    for b in batches:
        reason = ""
        if b.evaluated_at is not None and b.kappa is None:
            reason = agreement.undefined_reason(shared=shared[b.pk], agreement=b.agreement,
                                                measure=b.kappa_measure or "cohen_kappa")
        out.append({"batch": b, "counts": dict(counts[b.pk]), "total": sum(counts[b.pk].values()),
                    "measure": agreement.MEASURE_NAMES.get(b.kappa_measure, b.kappa_measure), "reason": reason,
                    "policy_text": agreement.POLICY_TEXT.get(b.policy, "")})
    return out



GOLD_FIELDS = ["item_id", "text", "label", "gold_source", "gold_at", "batch_id", "annotator_labels",
               "model_version", "model_category"]


def gold_rows():
    """Gold labels for export, oldest first: one dict per item."""
    items = (LabelingItem.objects.filter(status=LabelingItem.Status.GOLD).select_related("batch")
             .prefetch_related("annotations").order_by("gold_at", "id"))
    for item in items.iterator(chunk_size=500):
        yield {
            "item_id": item.pk, "text": item.text, "label": item.gold_label, "gold_source": item.gold_source,
            "gold_at": item.gold_at.isoformat() if item.gold_at else "", "batch_id": item.batch_id,
            "annotator_labels": [a.label for a in item.annotations.all() if a.label],
            "model_version": item.batch.model_version, "model_category": item.model_category,
        }


def training_labels() -> list[tuple[str, str, str]]:
    """The human labels the retraining learns from: (text, category, source) for gold labels and agent
    corrections (SPEC §6.2); a gold label wins over an agent's label for the same text."""
    out: dict[str, tuple[str, str, str]] = {}
    for text, category in Inquiry.objects.exclude(confirmed_category="").values_list("text", "confirmed_category"):
        out[text.strip().lower()] = (text, category, "agent")
    for text, label in LabelingItem.objects.filter(status=LabelingItem.Status.GOLD).values_list("text", "gold_label"):
        out[text.strip().lower()] = (text, label, "gold")
    return sorted(out.values())
