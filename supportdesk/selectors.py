from __future__ import annotations

import numpy as np

from supportdesk.models import EscalationPolicy, FAQEntry, Inquiry
from supportdesk.rules import Thresholds


def escalation_policy_get() -> EscalationPolicy:
    policy = EscalationPolicy.objects.order_by("id").first()
    if policy is None:
        policy, _ = EscalationPolicy.objects.get_or_create(id=1, defaults={"high_risk_categories": ["refund"]})
    return policy


def escalation_thresholds(*, model_thresholds: dict | None) -> Thresholds:
    policy = escalation_policy_get()
    confidence, margin = policy.confidence_threshold, policy.margin_threshold
    if policy.use_model_thresholds and model_thresholds:
        confidence = float(model_thresholds.get("confidence", confidence))
        margin = float(model_thresholds.get("margin", margin))
    return Thresholds(
        confidence=confidence,
        margin=margin,
        negative_sentiment=policy.negative_sentiment_threshold,
        high_risk=frozenset(policy.high_risk_categories or []),
    )


def inquiry_get_by_token(*, token: str) -> Inquiry | None:
    if not token or len(token) > 64:
        return None
    return Inquiry.objects.filter(token=token).first()


def faq_nearest(*, category: str, embedding: np.ndarray, embedding_key: str) -> FAQEntry | None:
    """The active FAQ entry of `category` whose embedding is nearest the inquiry's (SPEC §3.4)."""
    entries = [
        e for e in FAQEntry.objects.filter(category=category, is_active=True)
        if e.embedding and e.embedding_key == embedding_key
    ]
    if not entries:
        return FAQEntry.objects.filter(category=category, is_active=True).order_by("id").first()
    matrix = np.stack([np.frombuffer(bytes(e.embedding), dtype=np.float32) for e in entries])
    return entries[int(np.argmax(matrix @ embedding.astype(np.float32)))]
