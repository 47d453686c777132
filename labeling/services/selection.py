"""Filling the labeling queue: pick a batch from the pool with an active-learning strategy (SPEC §5.1-5.2)."""

from __future__ import annotations

import logging
from collections import OrderedDict

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from labeling import strategies
from labeling.dedup import batch_distinct, text_key
from labeling.models import LabelingBatch, LabelingItem, PoolText
from labeling.realtime import queue_changed_push
from mlcore.models import TrainingExample
from mlcore.serving import ModelUnavailable, predictor_active
from supportdesk.models import Inquiry

logger = logging.getLogger(__name__)

FILL_LOCK = "labeling:fill-lock"
_reference_cache: OrderedDict[str, np.ndarray] = OrderedDict()  # text → embedding, per process
REFERENCE_CACHE_MAX = 20000


class LabelingError(Exception):
    pass


def _pool(*, labels: list[str], limit: int) -> tuple[list[dict], np.ndarray | None, np.ndarray | None]:
    """Unlabeled candidates, newest first, one per distinct text key (casing, punctuation and numbers aside:
    labeling.dedup.text_key) and none with the key of a queued item or a training example, with the
    probabilities and embeddings stored at submission when they match the active model's labels (else
    recomputed)."""
    rows: list[dict] = []
    seen = set(text_key(t) for t in LabelingItem.objects.values_list("text", flat=True))
    seen.update(text_key(t) for t in TrainingExample.objects.exclude(category="").values_list("text", flat=True)
                .iterator(chunk_size=5000))
    inquiries = (
        Inquiry.objects.filter(embedding__isnull=False, confirmed_category="", labeling_item__isnull=True)
        .order_by("-id").values("id", "text", "embedding", "probabilities")[:limit]
    )
    for r in inquiries:
        key = text_key(r["text"])
        if key in seen:
            continue
        seen.add(key)
        rows.append({"inquiry_id": r["id"], "text": r["text"], "embedding": r["embedding"],
                     "probabilities": r["probabilities"]})
    for r in PoolText.objects.filter(labeling_item__isnull=True).order_by("-id").values("id", "text")[:limit]:
        key = text_key(r["text"])
        if key not in seen and len(rows) < limit:
            seen.add(key)
            rows.append({"pool_text_id": r["id"], "text": r["text"], "embedding": None, "probabilities": None})
    if not rows:
        return [], None, None
    probs = np.zeros((len(rows), len(labels)), dtype=np.float32)
    emb = np.zeros((len(rows), 384), dtype=np.float32)
    recompute = []
    for i, r in enumerate(rows):
        stored = r["probabilities"] or {}
        if r["embedding"] is not None and set(stored) == set(labels):
            probs[i] = [stored[label] for label in labels]
            emb[i] = np.frombuffer(bytes(r["embedding"]), dtype=np.float32)
        else:
            recompute.append(i)
    if recompute:
        p, e, _ = predictor_active().run_batched([rows[i]["text"] for i in recompute])
        probs[recompute], emb[recompute] = p, e
    probs /= np.clip(probs.sum(axis=1, keepdims=True), 1e-9, None)
    return rows, probs, emb


def _references(*, limit: int) -> np.ndarray:
    """Embeddings of what is already labeled: the distance term D(x) of MSAL measures novelty against these."""
    parts = []
    stored = (
        Inquiry.objects.filter(embedding__isnull=False)
        .exclude(confirmed_category="", labeling_item__isnull=True)
        .order_by("-id").values_list("embedding", flat=True)[:limit]
    )
    stored = [np.frombuffer(bytes(b), dtype=np.float32) for b in stored]
    if stored:
        parts.append(np.vstack(stored))
    texts = list(TrainingExample.objects.exclude(category="").order_by("-id")
                 .values_list("text", flat=True)[: max(0, limit - len(stored))])
    if texts:
        parts.append(_embedded(texts))
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def _embedded(texts: list[str]) -> np.ndarray:
    missing = [t for t in dict.fromkeys(texts) if t not in _reference_cache]
    if missing:
        for text, vector in zip(missing, predictor_active().embed(missing), strict=True):
            _reference_cache[text] = vector
        while len(_reference_cache) > REFERENCE_CACHE_MAX:
            _reference_cache.popitem(last=False)
    return np.vstack([_reference_cache[t] for t in texts])


def _queued(*, limit: int) -> np.ndarray:
    """Embeddings of the items waiting in the queue (being labeled, labeled, in review): a new batch holds no
    near-duplicate of these. Inquiries bring their stored embedding; pool texts are embedded (cached)."""
    rows = list(
        LabelingItem.objects.filter(status__in=[LabelingItem.Status.LABELING, LabelingItem.Status.LABELED,
                                                LabelingItem.Status.REVIEW])
        .order_by("-id").values_list("text", "inquiry__embedding")[:limit]
    )
    stored = [np.frombuffer(bytes(b), dtype=np.float32) for _, b in rows if b is not None]
    texts = [t for t, b in rows if b is None]
    parts = ([np.vstack(stored)] if stored else []) + ([_embedded(texts)] if texts else [])
    return np.vstack(parts) if parts else np.zeros((0, 384), dtype=np.float32)


def labelingbatch_create(*, trigger: str, requested_by=None, size: int | None = None, strategy: str | None = None,
                         annotators_per_item: int | None = None, model_version: str = "") -> LabelingBatch | None:
    """Select up to `size` pool items with the strategy and queue them; None when the pool is empty or
    another fill is running (fills are serialised by a cache lock, so two never pick the same items)."""
    size = size or settings.SUPPORTLOOP_LABELING_BATCH_SIZE
    strategy = strategy or settings.SUPPORTLOOP_LABELING_STRATEGY
    k = annotators_per_item or settings.SUPPORTLOOP_LABELING_ANNOTATORS
    if strategy not in strategies.STRATEGIES:
        raise LabelingError(f"unknown strategy {strategy!r}")
    if not cache.add(FILL_LOCK, 1, timeout=600):
        logger.info("labeling fill skipped: another fill is running")
        return None
    try:
        try:
            predictor = predictor_active()
        except ModelUnavailable as exc:
            raise LabelingError("no active model to score the pool") from exc
        labels = list(predictor.labels)
        rows, probs, emb = _pool(labels=labels, limit=settings.SUPPORTLOOP_LABELING_POOL_MAX)
        if not rows:
            return None
        refs = np.vstack([_references(limit=settings.SUPPORTLOOP_LABELING_REFERENCE_MAX),
                          _queued(limit=settings.SUPPORTLOOP_LABELING_REFERENCE_MAX)]).astype(np.float32)
        all_emb = np.vstack([emb, refs]).astype(np.float32)
        all_probs = np.vstack([probs, np.full((len(refs), len(labels)), 1 / len(labels), dtype=np.float32)])
        mask = np.zeros(len(all_emb), dtype=bool)
        mask[len(rows):] = True
        seed = LabelingBatch.objects.count()
        scores = strategies.uncertainty(probs, measure="margin")
        # Over-asked by batch_distinct; the most uncertain rest of the pool fills a batch the strategy could not.
        picks = batch_distinct(
            pick=lambda n: strategies.select(strategy=strategy, probabilities=all_probs, embeddings=all_emb,
                                             labeled_mask=mask, batch_size=n, seed=seed),
            embeddings=emb, references=refs, batch_size=size, threshold=settings.SUPPORTLOOP_LABELING_DUPLICATE_COSINE,
            fallback=lambda: np.argsort(-scores, kind="stable"))
        if not len(picks):
            return None
        with transaction.atomic():
            batch = LabelingBatch.objects.create(
                trigger=trigger, strategy=strategy, alpha=strategies.ALPHAS.get(strategy), requested_by=requested_by,
                model_version=model_version or predictor.version, annotators_per_item=k, pool_size=len(rows),
            )
            LabelingItem.objects.bulk_create([
                LabelingItem(
                    batch=batch, position=n, text=rows[i]["text"], inquiry_id=rows[i].get("inquiry_id"),
                    pool_text_id=rows[i].get("pool_text_id"), required_labels=k, score=float(scores[i]),
                    model_category=labels[int(np.argmax(probs[i]))],
                    model_probabilities={label: round(float(v), 6) for label, v in zip(labels, probs[i], strict=True)},
                )
                for n, i in enumerate(int(p) for p in picks)
            ])
            queue_changed_push()
        logger.info("labeling batch %s: %d of %d pool items by %s", batch.pk, len(picks), len(rows), strategy)
        return batch
    finally:
        cache.delete(FILL_LOCK)


def labelingbatch_for_category(*, category: str, inquiry_ids: list[int]) -> LabelingBatch | None:
    """A batch of these inquiries (a new category's topic), in order, for annotators to label with the new
    category among their choices. Texts already queued or labeled are left out; None when none is left.

    No strategy picks these: the admin chose them by turning their topic into a category."""
    seen = set(t.strip().lower() for t in LabelingItem.objects.values_list("text", flat=True))
    rows = []
    by_id = Inquiry.objects.filter(pk__in=inquiry_ids, labeling_item__isnull=True).in_bulk()
    for pk in dict.fromkeys(inquiry_ids):
        inquiry = by_id.get(pk)
        if inquiry is None or inquiry.text.strip().lower() in seen:
            continue
        seen.add(inquiry.text.strip().lower())
        rows.append(inquiry)
    if not rows:
        return None
    k = settings.SUPPORTLOOP_LABELING_ANNOTATORS
    with transaction.atomic():
        batch = LabelingBatch.objects.create(
            trigger=LabelingBatch.Trigger.NEW_CATEGORY, strategy="topic", category=category,
            model_version=rows[0].model_version or "", annotators_per_item=k, pool_size=len(rows))
        LabelingItem.objects.bulk_create([
            LabelingItem(batch=batch, position=n, text=inquiry.text, inquiry=inquiry, required_labels=k,
                         model_category=inquiry.category or "", model_probabilities=inquiry.probabilities or {})
            for n, inquiry in enumerate(rows)
        ])
        queue_changed_push()
    logger.info("labeling batch %s: %d texts of the topic of new category %s", batch.pk, len(rows), category)
    return batch


def labeling_queue_top_up(*, model_version: str = "") -> LabelingBatch | None:
    """A new batch when fewer items than the low-water mark wait for labels."""
    waiting = LabelingItem.objects.filter(status=LabelingItem.Status.LABELING).count()
    if waiting >= settings.SUPPORTLOOP_LABELING_LOW_WATER:
        return None
    return labelingbatch_create(trigger=LabelingBatch.Trigger.LOW_QUEUE, model_version=model_version)


def labeling_after_promotion(*, version: str) -> LabelingBatch | None:
    """A fresh batch scored by the newly promoted model; once per version, whatever Celery redelivers."""
    if LabelingBatch.objects.filter(trigger=LabelingBatch.Trigger.PROMOTION, model_version=version).exists():
        return None
    return labelingbatch_create(trigger=LabelingBatch.Trigger.PROMOTION, model_version=version)


def pooltexts_import(*, texts: list[str], source: str = "") -> int:
    """Unlabeled texts for the pool; duplicates and blanks are skipped. Returns how many were added."""
    clean = list(dict.fromkeys(t.strip() for t in texts if t and t.strip() and len(t.strip()) <= 5000))
    before = PoolText.objects.count()
    PoolText.objects.bulk_create([PoolText(text=t, source=source[:64]) for t in clean], ignore_conflicts=True,
                                 batch_size=1000)
    return PoolText.objects.count() - before


def labeling_queue_maintain() -> dict:
    """The periodic round: release expired reservations, judge ready batches, top the queue up."""
    from labeling.services.queue import annotations_expire
    from labeling.services.review import labelingbatches_evaluate_ready

    released = annotations_expire()
    judged = labelingbatches_evaluate_ready()
    try:
        batch = labeling_queue_top_up()
    except LabelingError as exc:
        logger.info("labeling top-up skipped: %s", exc)
        batch = None
    return {"released": released, "judged": judged, "batch": batch.pk if batch else None}
