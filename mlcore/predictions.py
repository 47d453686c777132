"""Writes to the prediction log (mlcore.models.Prediction). Callers name what was predicted by
`ref`, their own id for it; the ML core never needs to know what it is."""

from __future__ import annotations

from django.utils import timezone

from mlcore.models import Prediction


def prediction_record(*, ref: str, model_version: str, category: str, confidence: float,
                      sentiment: float | None, escalated: bool) -> Prediction:
    """Call inside the transaction that stores the caller's outcome, so both commit together."""
    return Prediction.objects.create(ref=ref, model_version=model_version, category=category, confidence=confidence,
                                     sentiment=sentiment, escalated=escalated)


def prediction_confirm(*, ref: str, category: str) -> int:
    """A person's category for what was predicted (the retraining triggers' corrections)."""
    return Prediction.objects.filter(ref=ref).update(confirmed_category=category, confirmed_at=timezone.now())


def prediction_feedback_record(*, ref: str, score: float | None) -> int:
    """The customer's explicit score for the answer (the canary compares it per arm)."""
    if score is None:
        return 0
    return Prediction.objects.filter(ref=ref).update(feedback_score=score)


def prediction_audit_draw(*, ref: str, propensity: float) -> bool:
    """The audit drew this automatic answer with that chance. A conditional update, so that of two draws
    of the same answer (overlapping runs) exactly one claims it: False for the other, or when `ref` has
    no automatic answer."""
    return bool(Prediction.objects.filter(ref=ref, escalated=False, audit_propensity__isnull=True)
                .update(audit_propensity=propensity))


def prediction_audit_record(*, ref: str, category: str) -> int:
    """The gold label annotators (or a reviewer) gave a drawn automatic answer; a later decision replaces it."""
    return Prediction.objects.filter(ref=ref, escalated=False, audit_propensity__isnull=False).update(
        audit_category=category, audited_at=timezone.now())
