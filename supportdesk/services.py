from __future__ import annotations

import logging

import numpy as np
from django.db import transaction

from mlcore import encoder
from mlcore.runtime import BundleError
from mlcore.serving import ModelUnavailable, predictor_active
from mlcore.starter import starter_faq
from supportdesk import metrics, rules
from supportdesk.models import FAQEntry, Inquiry, TicketEvent
from supportdesk.selectors import escalation_thresholds, faq_nearest

logger = logging.getLogger(__name__)

NO_ANSWER = "no_answer"


def inquiry_transition(*, inquiry: Inquiry, to_status: str, actor=None, reason: str = "") -> Inquiry:
    from_status = inquiry.status
    inquiry.status = to_status
    inquiry.save(update_fields=["status", "updated_at"])
    TicketEvent.objects.create(inquiry=inquiry, from_status=from_status, to_status=to_status, actor=actor,
                               reason=reason[:255])
    return inquiry


def inquiry_submit(*, text: str, name: str = "", email: str = "") -> Inquiry:
    """Store the inquiry first (committed), then classify it in the same request (SPEC §3.1-3.2)."""
    with transaction.atomic():
        inquiry = Inquiry.objects.create(text=text, name=name, email=email)
        TicketEvent.objects.create(inquiry=inquiry, to_status=Inquiry.Status.RECEIVED, reason="submitted")
    return inquiry_classify(inquiry=inquiry)


def inquiry_classify(*, inquiry: Inquiry) -> Inquiry:
    try:
        predictor = predictor_active()
        prediction = predictor.predict(inquiry.text)
    except (ModelUnavailable, BundleError) as exc:
        logger.warning("inquiry %s: no model could answer: %s", inquiry.pk, exc)
        return _inquiry_escalate(inquiry=inquiry, reasons=[rules.MODEL_UNAVAILABLE])

    metrics.INFERENCE_SECONDS.labels(prediction.model_version).observe(prediction.latency_ms / 1000)
    thresholds = escalation_thresholds(model_thresholds=predictor.manifest.thresholds)
    reasons = rules.escalation_reasons(
        category=prediction.category, confidence=prediction.confidence, margin=prediction.margin,
        sentiment=prediction.sentiment, thresholds=thresholds,
    )
    faq = None
    if not reasons:
        faq = faq_nearest(category=prediction.category, embedding=prediction.embedding,
                          embedding_key=encoder.encoder_weights_sha256()[:16])
        if faq is None:
            reasons = [NO_ANSWER]
    inquiry.category = prediction.category
    inquiry.confidence = prediction.confidence
    inquiry.margin = prediction.margin
    inquiry.sentiment = prediction.sentiment
    inquiry.probabilities = prediction.probabilities
    inquiry.embedding = prediction.embedding.astype(np.float32).tobytes()
    inquiry.model_version = prediction.model_version
    inquiry.latency_ms = prediction.latency_ms
    fields = ["category", "confidence", "margin", "sentiment", "probabilities", "embedding", "model_version",
              "latency_ms"]
    if reasons:
        with transaction.atomic():
            inquiry.save(update_fields=fields)
            return _inquiry_escalate(inquiry=inquiry, reasons=reasons)
    with transaction.atomic():
        inquiry.answer = faq.answer
        inquiry.faq_entry = faq
        inquiry.save(update_fields=[*fields, "answer", "faq_entry"])
        inquiry_transition(inquiry=inquiry, to_status=Inquiry.Status.ANSWERED_AUTO,
                           reason=f"faq #{faq.pk} by {prediction.model_version}")
    metrics.INQUIRIES.labels("answered_auto").inc()
    return inquiry


def _inquiry_escalate(*, inquiry: Inquiry, reasons: list[str]) -> Inquiry:
    with transaction.atomic():
        inquiry.escalation_reasons = reasons
        inquiry.save(update_fields=["escalation_reasons", "updated_at"])
        inquiry_transition(inquiry=inquiry, to_status=Inquiry.Status.ESCALATED, reason=",".join(reasons))
    metrics.INQUIRIES.labels("escalated").inc()
    for reason in reasons:
        metrics.ESCALATIONS.labels(reason).inc()
    return inquiry


def faq_entry_embed(*, entry: FAQEntry) -> FAQEntry:
    vector = encoder.encoder_session().embed([f"{entry.question}\n{entry.answer}"])[0]
    entry.embedding = vector.astype(np.float32).tobytes()
    entry.embedding_key = encoder.encoder_weights_sha256()[:16]
    entry.save(update_fields=["embedding", "embedding_key", "updated_at"])
    return entry


def faq_starter_load() -> int:
    """Load the shipped FAQ when there is none; embed every entry that lacks a current embedding."""
    created = 0
    if not FAQEntry.objects.exists():
        FAQEntry.objects.bulk_create(
            [FAQEntry(category=r["category"], question=r["question"], answer=r["answer"]) for r in starter_faq()]
        )
        created = FAQEntry.objects.count()
    faq_embeddings_refresh()
    return created


def faq_embeddings_refresh() -> int:
    key = encoder.encoder_weights_sha256()[:16]
    stale = list(FAQEntry.objects.exclude(embedding_key=key))
    if not stale:
        return 0
    vectors = encoder.encoder_session().embed([f"{e.question}\n{e.answer}" for e in stale])
    for entry, vector in zip(stale, vectors, strict=True):
        entry.embedding = vector.astype(np.float32).tobytes()
        entry.embedding_key = key
    FAQEntry.objects.bulk_update(stale, ["embedding", "embedding_key"])
    return len(stale)
