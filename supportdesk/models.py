import secrets

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


def ticket_token() -> str:
    return secrets.token_urlsafe(24)


class Inquiry(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ANSWERED_AUTO = "answered_auto", "Answered automatically"
        ESCALATED = "escalated", "Escalated"
        ASSIGNED = "assigned", "Assigned"
        RESOLVED = "resolved", "Resolved"

    token = models.CharField(max_length=64, unique=True, default=ticket_token, editable=False)
    text = models.TextField()
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    # No index of its own: inquiry_queue_idx starts with it (one index less to write per inquiry).
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    category = models.CharField(max_length=64, blank=True, db_index=True)
    confidence = models.FloatField(null=True, blank=True)
    margin = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField(null=True, blank=True)
    upset = models.FloatField(null=True, blank=True)  # p(upset) from the version's upset head
    novelty = models.FloatField(null=True, blank=True)  # how unlike every known category (higher: less)
    probabilities = models.JSONField(default=dict, blank=True)
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    model_version = models.CharField(max_length=32, blank=True, db_index=True)
    latency_ms = models.FloatField(null=True, blank=True)
    escalation_reasons = models.JSONField(default=list, blank=True)
    answer = models.TextField(blank=True)
    faq_entry = models.ForeignKey("supportdesk.FAQEntry", null=True, blank=True, on_delete=models.SET_NULL)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets"
    )
    confirmed_category = models.CharField(max_length=64, blank=True)
    # A key is unique per client only (inquiry_idempotency_key_per_client): the same key replayed by
    # someone else is their own request and never returns this ticket's secret address.
    idempotency_key = models.CharField(max_length=128, null=True, blank=True, editable=False)
    idempotency_client = models.CharField(max_length=64, blank=True, editable=False)  # a keyed hash, not the address
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The local day, stored: dashboards group by it in plain SQL (date truncation on SQLite runs
    # in Python per row and took seconds over 100,000 rows).
    created_day = models.DateField(default=timezone.localdate, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Service levels (the agents' console and the dashboards): when a person should first answer an
    # escalated ticket (ResponseTarget), and when the first agent reply was sent.
    response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # The customer's "stop emails about this ticket" link: nothing more is mailed for it.
    email_muted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        indexes = [
            # The agent console: every column its views, counts and order read but the row itself, so a
            # page's ids and the counts come from the index alone (selectors.agent_queue_page). The id
            # last: SQLite indexes carry the rowid anyway, PostgreSQL needs it for an index-only scan.
            models.Index(fields=["status", "upset", "created_at", "response_due_at", "first_response_at",
                                 "assigned_to", "category", "confirmed_category", "escalation_reasons", "id"],
                         name="inquiry_queue_idx"),
            # The console's resolved view, most recently resolved first (queue_selectors.agent_queue_page).
            models.Index(fields=["status", "resolved_at", "id"], name="inquiry_resolved_idx"),
            # Repeat contact and the customer's other tickets look up by email, whatever its case.
            models.Index(Lower("email"), name="inquiry_email_lower_idx"),
            # The agent console's search on PostgreSQL (selectors.inquiry_search_vector: the same expression).
            # Migration 0010 creates it on PostgreSQL only; SQLite searches by substring.
            GinIndex(SearchVector("text", "name", "email", config="english"), name="inquiry_search_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["idempotency_client", "idempotency_key"],
                                    condition=models.Q(idempotency_key__isnull=False),
                                    name="inquiry_idempotency_key_per_client"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status} {self.text[:50]}"


class TicketMessage(models.Model):
    """A reply by an agent or a follow-up by the customer, shown on the ticket page."""

    class Author(models.TextChoices):
        CUSTOMER = "customer", "Customer"
        AGENT = "agent", "Agent"
        NOTE = "note", "Internal note"

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    author_kind = models.CharField(max_length=16, choices=Author.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # A ticket's thread in order, and its latest author (the console's "waiting on customer").
            models.Index(fields=["inquiry", "created_at", "id", "author_kind"], name="ticketmessage_thread_idx"),
            # The console's search of replies on PostgreSQL (selectors.message_search_vector); see 0010.
            GinIndex(SearchVector("body", config="english"), name="ticketmessage_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.body[:50]}"


class TicketEvent(models.Model):
    """Every state transition, with when and who."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class FAQEntry(models.Model):
    category = models.CharField(max_length=64, db_index=True)
    question = models.CharField(max_length=500)
    answer = models.TextField()
    is_active = models.BooleanField(default=True)
    embedding = models.BinaryField(null=True, blank=True, editable=False)
    embedding_key = models.CharField(max_length=64, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return f"[{self.category}] {self.question}"


class EscalationPolicy(models.Model):
    """Admin-editable thresholds (one row). With use_model_thresholds, each version's own apply."""

    confidence_threshold = models.FloatField(default=0.7)
    margin_threshold = models.FloatField(default=0.1)
    negative_sentiment_threshold = models.FloatField(
        default=-0.5, help_text="Only for model versions without an upset head: sentiment below this escalates.")
    upset_threshold = models.FloatField(
        default=0.7, help_text="p(upset) at or above this escalates, unless the version's own threshold applies.")
    high_risk_categories = models.JSONField(default=list)
    use_model_thresholds = models.BooleanField(
        default=True,
        help_text="Use the confidence, margin, upset and novelty thresholds recommended by each model version.",
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name_plural = "escalation policy"

    def __str__(self) -> str:
        return "Escalation policy"


class ResponseTarget(models.Model):
    """How soon a person should first answer an escalated ticket: per category, a target for
    high-risk tickets, and a default (blank category) for every other. The tightest one that applies wins."""

    class Kind(models.TextChoices):
        DEFAULT = "default", "Every escalated ticket"
        CATEGORY = "category", "Tickets of one category"
        HIGH_RISK = "high_risk", "High-risk tickets (upset customer, high-risk category)"

    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CATEGORY)
    category = models.CharField(max_length=64, blank=True, help_text="For kind 'category' only.")
    minutes = models.PositiveIntegerField(help_text="Minutes from escalation to the first agent reply.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "category"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "category"], name="responsetarget_one_per_kind_category"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.category}: {self.minutes} min".replace("  ", " ")


class SavedReply(models.Model):
    """A canned answer shared by the team, inserted into the reply box and edited before sending."""

    title = models.CharField(max_length=120)
    body = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name_plural = "saved replies"

    def __str__(self) -> str:
        return self.title
