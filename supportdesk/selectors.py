from __future__ import annotations

import statistics
import threading
from datetime import datetime, timedelta

import numpy as np
from cachetools import TLRUCache, TTLCache
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Min, Q
from django.db.models.functions import Lower
from django.utils import timezone

from core.process import PerProcess
from core.roles import AGENT
from mlcore.categories import category_display
from mlcore.selectors import modelversion_active, newcategory_names
from mlcore.starter import CATEGORIES
from supportdesk.models import (
    EscalationPolicy,
    FAQEntry,
    Inquiry,
    ResponseTarget,
    SavedReply,
    TicketEvent,
    TicketMessage,
)
from supportdesk.repeat import OPEN_STATUSES, earlier_ticket_build, earlier_ticket_counts, repeat_contact_detect
from supportdesk.rules import Thresholds
from supportdesk.sla import Target


def escalation_policy_get() -> EscalationPolicy:
    policy = EscalationPolicy.objects.order_by("id").first()
    if policy is None:
        policy, _ = EscalationPolicy.objects.get_or_create(id=1, defaults={"high_risk_categories": ["refund"]})
    return policy


def _policy_ttu(_key, _value, now: float) -> float:
    # Read when an entry is stored, so override_settings applies to the next one (0: nothing is kept).
    return now + settings.SUPPORTLOOP_POLICY_CACHE_SECONDS


class SelectorCaches:
    """This process's TTL caches (cachetools) of what every inquiry and every ticket page poll read.

    cachetools caches are not thread-safe, reads included (they reorder and expire entries): every
    access holds `lock`. A PerProcess object: a forked child starts with empty caches and a free lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.policy: TLRUCache = TLRUCache(maxsize=1, ttu=_policy_ttu)
        self.targets: TLRUCache = TLRUCache(maxsize=1, ttu=_policy_ttu)
        self.faq: TLRUCache = TLRUCache(maxsize=16, ttu=_policy_ttu)  # per embedding key
        self.reply_estimate: TTLCache = TTLCache(maxsize=1, ttl=REPLY_ESTIMATE_CACHE_SECONDS)

    def clear(self) -> None:
        with self.lock:
            self.policy.clear()
            self.targets.clear()
            self.faq.clear()
            self.reply_estimate.clear()


_caches: PerProcess[SelectorCaches] = PerProcess(SelectorCaches, name="supportdesk.selectors caches")


def escalation_policy_cached() -> EscalationPolicy:
    """The policy as this process saw it at most a couple of seconds ago (it is read per inquiry)."""
    caches = _caches.get()
    with caches.lock:
        policy = caches.policy.get("policy")
    if policy is None:
        policy = escalation_policy_get()
        with caches.lock:
            caches.policy["policy"] = policy
    return policy


def escalation_thresholds(*, model_thresholds: dict | None) -> Thresholds:
    policy = escalation_policy_cached()
    confidence, margin = policy.confidence_threshold, policy.margin_threshold
    upset, novelty = policy.upset_threshold, None
    if policy.use_model_thresholds and model_thresholds:
        confidence = float(model_thresholds.get("confidence", confidence))
        margin = float(model_thresholds.get("margin", margin))
        upset = float(model_thresholds.get("upset", upset))
        novelty = model_thresholds.get("novelty")
    return Thresholds(
        confidence=confidence,
        margin=margin,
        negative_sentiment=policy.negative_sentiment_threshold,
        upset=upset,
        novelty=None if novelty is None else float(novelty),
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
    caches = _caches.get()
    with caches.lock:  # held while the index is read: one reader per process
        index = caches.faq.get(embedding_key)
        if index is None:
            index = caches.faq[embedding_key] = _faq_index(embedding_key=embedding_key)
    entries, matrix = index.get(category, ([], None))
    if not entries:
        return None
    if matrix is None:
        return entries[0]
    return entries[int(np.argmax(matrix @ embedding.astype(np.float32)))]


def selector_caches_clear() -> None:
    _caches.get().clear()


REPLY_ESTIMATE_WINDOW = timedelta(days=30)
REPLY_ESTIMATE_MIN_SAMPLES = 20
REPLY_ESTIMATE_CACHE_SECONDS = 60.0


def _reply_estimate_compute() -> timedelta:
    escalated_at_intake = TicketEvent.objects.filter(from_status=Inquiry.Status.RECEIVED,
                                                     to_status=Inquiry.Status.ESCALATED).values("inquiry_id")
    rows = (
        Inquiry.objects.filter(created_at__gte=timezone.now() - REPLY_ESTIMATE_WINDOW, pk__in=escalated_at_intake)
        .annotate(first_reply=Min("messages__created_at",
                                  filter=Q(messages__author_kind=TicketMessage.Author.AGENT)))
        .filter(first_reply__isnull=False)
        .order_by()
        .values_list("created_at", "first_reply")
    )
    waits = [first_reply - created_at for created_at, first_reply in rows]
    if len(waits) < REPLY_ESTIMATE_MIN_SAMPLES:
        return timedelta(hours=settings.SUPPORTLOOP_REPLY_ESTIMATE_HOURS)
    return statistics.median(waits)


def reply_estimate_get() -> timedelta:
    """Roughly how long a person takes to answer, for the page of a ticket waiting for one.

    The median time from creation to the first agent reply over the tickets of the last 30 days
    escalated when they came in (not the ones reopened by a follow-up), once at least 20 of them have
    a reply; until then SUPPORTLOOP_REPLY_ESTIMATE_HOURS. The page is public and polled: each process
    computes it at most once a minute."""
    caches = _caches.get()
    with caches.lock:
        value = caches.reply_estimate.get("value")
    if value is not None:
        return value
    value = _reply_estimate_compute()
    with caches.lock:
        caches.reply_estimate["value"] = value
    return value


def category_choices() -> list[str]:
    """Categories an agent may choose: the active model's labels, any FAQ's, and those an admin added
    from a topic (mlcore.NewCategory) before a model has learnt them."""
    active = modelversion_active()
    labels = set(active.labels if active else CATEGORIES)
    labels.update(FAQEntry.objects.order_by("category").values_list("category", flat=True).distinct())
    labels.update(newcategory_names())
    return sorted(labels)


def category_choices_display() -> list[tuple[str, str]]:
    """category_choices() as (name, display name) pairs: the value a form sends, the text an agent reads."""
    return [(name, category_display(name)) for name in category_choices()]


def inquiry_get(*, pk: int) -> Inquiry | None:
    return Inquiry.objects.select_related("assigned_to").filter(pk=pk).first()


def agents_list():
    return get_user_model().objects.filter(groups__name=AGENT, is_active=True).order_by("username").distinct()


def inquiry_counts_by_status() -> dict[str, int]:
    counts = {s: 0 for s in Inquiry.Status.values}
    for row in Inquiry.objects.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def _by_email(email: str):
    """Tickets of this email whatever its case, through the Lower(email) index (iexact would scan)."""
    return Inquiry.objects.alias(email_lower=Lower("email")).filter(email_lower=email.lower())


def inquiry_earlier_tickets(*, email: str, exclude_pk: int | None, limit: int = 20) -> list[Inquiry]:
    """The other tickets of this email (matched case-insensitively), newest first; none for an empty email."""
    if not email:
        return []
    tickets = _by_email(email)
    if exclude_pk is not None:
        tickets = tickets.exclude(pk=exclude_pk)
    return list(tickets.only("id", "status", "text", "created_at", "updated_at", "resolved_at")
                .order_by("-created_at", "-id")[:limit])


def inquiry_earlier_tickets_marked(*, inquiry: Inquiry) -> list[dict]:
    """The customer's other tickets for the agent page, each marked when it makes this a repeat contact."""
    now, window = timezone.now(), repeat_contact_window()
    return [
        {"ticket": t, "repeat": earlier_ticket_counts(
            ticket=earlier_ticket_build(status=t.status, resolved_at=t.resolved_at, updated_at=t.updated_at),
            now=now, window=window)}
        for t in inquiry_earlier_tickets(email=inquiry.email, exclude_pk=inquiry.pk)
    ]


def repeat_contact_window() -> timedelta:
    return timedelta(days=settings.SUPPORTLOOP_REPEAT_CONTACT_DAYS)


# At most this many candidate rows are read per inquiry. Every open or automatically answered row read
# counts, so only that many resolved tickets touched in the window but resolved before it could hide one.
REPEAT_CONTACT_SCAN_MAX = 50


def inquiry_repeat_contact(*, email: str, exclude_pk: int | None, now: datetime | None = None) -> bool:
    """Does this email have another ticket open, or closed within SUPPORTLOOP_REPEAT_CONTACT_DAYS?

    On the inquiry path: one query, three columns, only the open tickets and those touched within the
    window (a ticket is never closed after its last update), then the pure rule (supportdesk.repeat)."""
    if not email:
        return False
    now = now or timezone.now()
    window = repeat_contact_window()
    rows = _by_email(email).filter(Q(status__in=OPEN_STATUSES) | Q(updated_at__gte=now - window))
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    earlier = [earlier_ticket_build(status=status, resolved_at=resolved_at, updated_at=updated_at)
               for status, resolved_at, updated_at in rows.order_by().values_list("status", "resolved_at", "updated_at")
               [:REPEAT_CONTACT_SCAN_MAX]]
    return repeat_contact_detect(earlier=earlier, now=now, window=window)


def response_targets() -> list[Target]:
    """The admin's first-response targets (a handful of rows)."""
    return [Target(kind=kind, category=category, minutes=minutes)
            for kind, category, minutes in ResponseTarget.objects.values_list("kind", "category", "minutes")]


def response_targets_cached() -> tuple[Target, ...]:
    """The targets as this process saw them at most SUPPORTLOOP_POLICY_CACHE_SECONDS ago, like the escalation
    policy: every escalation reads them, and an admin's edit may take that long to apply."""
    caches = _caches.get()
    with caches.lock:
        targets = caches.targets.get("targets")
    if targets is None:
        targets = tuple(response_targets())
        with caches.lock:
            caches.targets["targets"] = targets
    return targets


# The agent's ticket page: the customer's view of the thread, saved and suggested replies.

def ticket_messages_public(*, inquiry: Inquiry) -> list[TicketMessage]:
    """What the customer may see of a ticket's thread: every message but the staff's internal notes."""
    return list(inquiry.messages.exclude(author_kind=TicketMessage.Author.NOTE))


def saved_replies_list() -> list[SavedReply]:
    return list(SavedReply.objects.select_related("created_by"))


def saved_reply_get(*, pk: int) -> SavedReply | None:
    return SavedReply.objects.filter(pk=pk).first()


SUGGESTIONS = 3


def faq_suggestions(*, inquiry: Inquiry, limit: int = SUGGESTIONS) -> list[FAQEntry]:
    """The active FAQ answers nearest the inquiry's stored embedding, over every category.

    Only entries embedded by the current encoder are compared (the inquiry's vector came from it, or
    from one of the same size); nothing when the ticket has no embedding."""
    if not inquiry.embedding:
        return []
    from mlcore import encoder  # reads the encoder's weights once per process, only when needed

    embedding = np.frombuffer(bytes(inquiry.embedding), dtype=np.float32)
    embedding_key = encoder.encoder_weights_sha256()[:16]
    caches = _caches.get()
    with caches.lock:
        index = caches.faq.get(embedding_key)
        if index is None:
            index = caches.faq[embedding_key] = _faq_index(embedding_key=embedding_key)
    groups = [(entries, matrix) for entries, matrix in index.values()
              if matrix is not None and matrix.shape[1] == embedding.shape[0]]
    if not groups or limit <= 0:
        return []
    entries = [e for group, _ in groups for e in group]
    scores = np.vstack([matrix for _, matrix in groups]) @ embedding
    return [entries[i] for i in np.argsort(-scores, kind="stable")[:limit]]


def ticket_notes_list(*, inquiry_id: int) -> list[TicketMessage]:
    """A ticket's internal notes, oldest first (staff only)."""
    return list(TicketMessage.objects.filter(inquiry_id=inquiry_id, author_kind=TicketMessage.Author.NOTE)
                .select_related("author").order_by("created_at", "id"))
