from __future__ import annotations

import logging
import time
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from mlcore import encoder
from mlcore.predictions import prediction_record
from mlcore.rollout import shadowprediction_record
from mlcore.runtime import BundleError
from mlcore.serving import ModelUnavailable, predictor_route
from supportdesk import metrics, rules, sla
from supportdesk.models import Inquiry, TicketEvent, TicketMessage
from supportdesk.realtime import ticket_changed_push
from supportdesk.selectors import escalation_thresholds, faq_nearest, inquiry_repeat_contact, response_targets_cached
from supportdesk.services.mail import ticket_mail_queue

logger = logging.getLogger(__name__)

NO_ANSWER = "no_answer"
FOLLOW_UP = "follow_up"


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used for a different inquiry."""


class IdempotencyInProgress(IdempotencyConflict):
    """The first request with this Idempotency-Key is still being classified; retry in a moment."""

    retry_after = 1


IDEMPOTENCY_POLL_SECONDS = 0.05


def inquiry_transition(*, inquiry: Inquiry, to_status: str, actor=None, reason: str = "") -> Inquiry:
    from_status = inquiry.status
    inquiry.status = to_status
    inquiry.save(update_fields=["status", "updated_at"])
    TicketEvent.objects.create(inquiry=inquiry, from_status=from_status, to_status=to_status, actor=actor,
                               reason=reason[:255])
    return inquiry


def inquiry_submit(*, text: str, name: str = "", email: str = "") -> Inquiry:
    """Store the inquiry first (committed), then classify it in the same request (SPEC §3.1-3.2).

    The "received" event is written with the outcome, stamped with the inquiry's own creation
    time: one write less on the hot path, and an inquiry is never lost if classification fails."""
    inquiry = Inquiry.objects.create(text=text, name=name, email=email)
    ticket_mail_queue(inquiry=inquiry, kind="received")
    return inquiry_classify(inquiry=inquiry)


def inquiry_submit_idempotent(*, key: str, client: str, text: str, name: str = "",
                              email: str = "") -> tuple[Inquiry, bool]:
    """Like inquiry_submit, but a replay of the same key by the same client returns the first ticket:
    (inquiry, created). `client` is who sent it (core.ratelimit.client_identity).

    Keys are the client's: the same key from another client is another inquiry, so a guessed or
    leaked key never hands out someone else's ticket address. A replay must repeat the whole request
    (text, name and email), and it answers with the first request's outcome: while that is still
    being classified it waits up to SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS, then IdempotencyInProgress."""
    scope = idempotency_client_digest(client=client)
    existing = Inquiry.objects.filter(idempotency_client=scope, idempotency_key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                inquiry = Inquiry.objects.create(text=text, name=name, email=email, idempotency_key=key,
                                                 idempotency_client=scope)
        except IntegrityError:  # a concurrent request won the race (PostgreSQL waited for its commit)
            existing = Inquiry.objects.get(idempotency_client=scope, idempotency_key=key)
        else:
            ticket_mail_queue(inquiry=inquiry, kind="received")
            return inquiry_classify(inquiry=inquiry), True
    if (existing.text, existing.name, existing.email) != (text, name, email):
        raise IdempotencyConflict("this Idempotency-Key was already used for a different inquiry")
    return _inquiry_settled(inquiry=existing, wait_seconds=settings.SUPPORTLOOP_IDEMPOTENCY_WAIT_SECONDS), False


def idempotency_client_digest(*, client: str) -> str:
    """What is stored of the client: a keyed hash, enough to tell clients apart, not their address."""
    return salted_hmac("supportdesk.idempotency_client", client, algorithm="sha256").hexdigest()


def _inquiry_settled(*, inquiry: Inquiry, wait_seconds: float) -> Inquiry:
    # Classification commits the outcome in one transaction, so a row read here is either still
    # "received" or complete; polling works alike on SQLite and PostgreSQL (no lock is held meanwhile).
    deadline = time.monotonic() + wait_seconds
    while inquiry.status == Inquiry.Status.RECEIVED:
        if time.monotonic() >= deadline:
            raise IdempotencyInProgress("the first request with this Idempotency-Key is still being processed; "
                                        "retry in a moment")
        time.sleep(IDEMPOTENCY_POLL_SECONDS)
        inquiry.refresh_from_db()
    return inquiry


def inquiry_classify(*, inquiry: Inquiry) -> Inquiry:
    """Classify, apply the escalation rules and record the outcome in one short transaction."""
    fields = ["status", "escalation_reasons", "updated_at"]
    try:
        # Canary: a stable share of inquiries (by token) goes to the candidate; shadow: it only scores.
        predictor, shadow = predictor_route(key=inquiry.token)
        prediction = predictor.predict(inquiry.text)
    except (ModelUnavailable, BundleError) as exc:
        logger.warning("inquiry %s: no model could answer: %s", inquiry.pk, exc)
        return _inquiry_outcome(inquiry=inquiry, reasons=[rules.MODEL_UNAVAILABLE], faq=None, fields=fields, note="")

    metrics.INFERENCE_SECONDS.labels(prediction.model_version).observe(prediction.latency_ms / 1000)
    thresholds = escalation_thresholds(model_thresholds=predictor.manifest.thresholds)
    reasons = rules.escalation_reasons(
        category=prediction.category, confidence=prediction.confidence, margin=prediction.margin,
        sentiment=prediction.sentiment, upset=prediction.upset, novelty=prediction.novelty, thresholds=thresholds,
        repeat_contact=inquiry_repeat_contact(email=inquiry.email, exclude_pk=inquiry.pk),
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
    inquiry.upset = prediction.upset
    inquiry.novelty = prediction.novelty
    inquiry.probabilities = prediction.probabilities
    inquiry.embedding = prediction.embedding.astype(np.float32).tobytes()
    inquiry.model_version = prediction.model_version
    inquiry.latency_ms = prediction.latency_ms
    fields += ["category", "confidence", "margin", "sentiment", "upset", "novelty", "probabilities", "embedding",
               "model_version", "latency_ms"]
    inquiry = _inquiry_outcome(inquiry=inquiry, reasons=reasons, faq=faq, fields=fields,
                               note=f" by {prediction.model_version}")
    if shadow is not None:
        _shadow_score(inquiry=inquiry, shadow=shadow)
    return inquiry


def _shadow_score(*, inquiry: Inquiry, shadow) -> None:
    """What the shadow candidate would have done, logged only; it can never fail the request."""
    try:
        p = shadow.predict(inquiry.text)
        reasons = rules.escalation_reasons(
            category=p.category, confidence=p.confidence, margin=p.margin, sentiment=p.sentiment,
            upset=p.upset, novelty=p.novelty,
            thresholds=escalation_thresholds(model_thresholds=shadow.manifest.thresholds),
        )
        shadowprediction_record(ref=str(inquiry.pk), served_category=inquiry.category, version=p.model_version,
                                category=p.category, confidence=p.confidence, escalated=bool(reasons),
                                latency_ms=p.latency_ms)
        metrics.SHADOW_PREDICTIONS.labels(p.model_version, str(p.category == inquiry.category).lower()).inc()
    except Exception:  # a broken shadow must not cost the customer anything
        logger.exception("inquiry %s: shadow scoring failed", inquiry.pk)


def _response_due(*, inquiry: Inquiry) -> datetime:
    """When a person should first answer this ticket, escalated now (supportdesk/sla.py)."""
    return sla.response_due(escalated_at=timezone.now(), category=inquiry.confirmed_category or inquiry.category,
                            high_risk=sla.is_high_risk(reasons=inquiry.escalation_reasons),
                            targets=response_targets_cached(),
                            default_minutes=settings.SUPPORTLOOP_FIRST_RESPONSE_MINUTES)


def _inquiry_outcome(*, inquiry: Inquiry, reasons: list[str], faq, fields: list[str], note: str) -> Inquiry:
    from_status = inquiry.status
    inquiry.escalation_reasons = reasons
    if reasons:
        inquiry.status = Inquiry.Status.ESCALATED
        reason = ",".join(reasons)
        inquiry.response_due_at = _response_due(inquiry=inquiry)
        fields = [*fields, "response_due_at"]
    else:
        inquiry.status = Inquiry.Status.ANSWERED_AUTO
        inquiry.answer, inquiry.faq_entry = faq.answer, faq
        fields = [*fields, "answer", "faq_entry"]
        reason = f"faq #{faq.pk}{note}"
    events = [TicketEvent(inquiry=inquiry, from_status=from_status, to_status=inquiry.status, reason=reason)]
    if from_status == Inquiry.Status.RECEIVED:
        events.insert(0, TicketEvent(inquiry=inquiry, to_status=from_status, reason="submitted",
                                     created_at=inquiry.created_at))
    with transaction.atomic():  # held briefly: SQLite lets one writer in at a time
        inquiry.save(update_fields=fields)
        TicketEvent.objects.bulk_create(events)
        if inquiry.model_version and inquiry.category:
            prediction_record(ref=str(inquiry.pk), model_version=inquiry.model_version, category=inquiry.category,
                              confidence=inquiry.confidence, sentiment=inquiry.sentiment, escalated=bool(reasons))
        if reasons:  # nobody can be watching the page of a ticket created in this request yet
            ticket_changed_push(inquiry_id=inquiry.pk, ticket=from_status != Inquiry.Status.RECEIVED)
    metrics.INQUIRIES.labels(inquiry.status).inc()
    for r in reasons:
        metrics.ESCALATIONS.labels(r).inc()
    return inquiry


def ticket_follow_up(*, inquiry: Inquiry, body: str) -> TicketMessage:
    """A customer's follow-up; it reopens an answered or resolved ticket for a person (SPEC §3.5)."""
    with transaction.atomic():
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        message = TicketMessage.objects.create(inquiry=inquiry, author_kind=TicketMessage.Author.CUSTOMER, body=body)
        if inquiry.status in (Inquiry.Status.ANSWERED_AUTO, Inquiry.Status.RESOLVED):
            inquiry.escalation_reasons = [*inquiry.escalation_reasons, FOLLOW_UP]
            inquiry.assigned_to = None
            fields = ["escalation_reasons", "assigned_to", "updated_at"]
            if inquiry.first_response_at is None:  # never answered by a person: the target starts now
                inquiry.response_due_at = _response_due(inquiry=inquiry)
                fields.append("response_due_at")
            inquiry.save(update_fields=fields)
            inquiry_transition(inquiry=inquiry, to_status=Inquiry.Status.ESCALATED, reason="customer follow-up")
            metrics.ESCALATIONS.labels(FOLLOW_UP).inc()
        ticket_changed_push(inquiry_id=inquiry.pk)
    return message
