from __future__ import annotations

import threading
import time

import numpy as np
from django.conf import settings

from supportdesk.models import EscalationPolicy, FAQEntry, Inquiry
from supportdesk.rules import Thresholds


def escalation_policy_get() -> EscalationPolicy:
    policy = EscalationPolicy.objects.order_by("id").first()
    if policy is None:
        policy, _ = EscalationPolicy.objects.get_or_create(id=1, defaults={"high_risk_categories": ["refund"]})
    return policy


_policy_cache: dict = {"policy": None, "at": 0.0}
_faq_cache: dict = {}
_cache_lock = threading.Lock()


def _fresh(at: float) -> bool:
    return time.monotonic() - at < settings.SUPPORTLOOP_POLICY_CACHE_SECONDS


def escalation_policy_cached() -> EscalationPolicy:
    """The policy as this process saw it at most a couple of seconds ago (it is read per inquiry)."""
    if _policy_cache["policy"] is None or not _fresh(_policy_cache["at"]):
        _policy_cache.update(policy=escalation_policy_get(), at=time.monotonic())
    return _policy_cache["policy"]


def escalation_thresholds(*, model_thresholds: dict | None) -> Thresholds:
    policy = escalation_policy_cached()
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


def _faq_index(*, embedding_key: str) -> dict[str, tuple[list[FAQEntry], np.ndarray | None]]:
    entries: dict[str, list[FAQEntry]] = {}
    for e in FAQEntry.objects.filter(is_active=True).order_by("id"):
        entries.setdefault(e.category, []).append(e)
    index = {}
    for category, group in entries.items():
        embedded = [e for e in group if e.embedding and e.embedding_key == embedding_key]
        if embedded:
            index[category] = (embedded, np.stack([np.frombuffer(bytes(e.embedding), dtype=np.float32)
                                                   for e in embedded]))
        else:
            index[category] = (group[:1], None)
    return index


def faq_nearest(*, category: str, embedding: np.ndarray, embedding_key: str) -> FAQEntry | None:
    """The active FAQ entry of `category` whose embedding is nearest the inquiry's (SPEC §3.4).

    The FAQ (tens of entries) is indexed per process and re-read every couple of seconds."""
    with _cache_lock:
        cached = _faq_cache.get(embedding_key)
        if cached is None or not _fresh(cached[0]):
            cached = (time.monotonic(), _faq_index(embedding_key=embedding_key))
            _faq_cache[embedding_key] = cached
    entries, matrix = cached[1].get(category, ([], None))
    if not entries:
        return None
    if matrix is None:
        return entries[0]
    return entries[int(np.argmax(matrix @ embedding.astype(np.float32)))]


def selector_caches_clear() -> None:
    with _cache_lock:
        _faq_cache.clear()
        _policy_cache.update(policy=None, at=0.0)


def category_choices() -> list[str]:
    """Categories an agent may choose: the active model's labels plus any already in use."""
    from mlcore.selectors import modelversion_active
    from mlcore.starter import CATEGORIES

    active = modelversion_active()
    labels = set(active.labels if active else CATEGORIES)
    labels.update(FAQEntry.objects.order_by("category").values_list("category", flat=True).distinct())
    return sorted(labels)


def agent_queue():
    """Open escalations, most negative first, then oldest (SPEC §3.5)."""
    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    return (
        Inquiry.objects.filter(status__in=[Inquiry.Status.ESCALATED, Inquiry.Status.ASSIGNED])
        .select_related("assigned_to")
        .annotate(sort_sentiment=Coalesce(F("sentiment"), Value(0.0)))
        .order_by("sort_sentiment", "created_at", "id")
    )


def inquiry_get(*, pk: int) -> Inquiry | None:
    return Inquiry.objects.select_related("assigned_to").filter(pk=pk).first()


def agents_list():
    from django.contrib.auth import get_user_model

    from supportdesk.roles import AGENT

    return get_user_model().objects.filter(groups__name=AGENT, is_active=True).order_by("username").distinct()


def inquiry_counts_by_status() -> dict[str, int]:
    from django.db.models import Count

    counts = {s: 0 for s in Inquiry.Status.values}
    for row in Inquiry.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts
