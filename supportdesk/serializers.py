from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from supportdesk import sla
from supportdesk.forms import MAX_TEXT
from supportdesk.models import Inquiry
from supportdesk.queue_selectors import OPEN
from supportdesk.selectors import inquiry_earlier_tickets


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of coercing them to text."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class InquiryCreateInputSerializer(serializers.Serializer):
    text = StrictCharField(min_length=1, max_length=MAX_TEXT)
    name = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate_email(self, value):
        return value or ""


_DATETIME = serializers.DateTimeField()


def inquiry_output(inquiry: Inquiry, *, request=None) -> dict:
    """What InquiryOutputSerializer produces, built directly: it runs on every submission and DRF's
    per-instance field copying cost ~1 ms of an ~8 ms request (bench/serve.py). A test keeps the two equal."""
    path = reverse("supportdesk:ticket", kwargs={"token": inquiry.token})
    return {
        "id": inquiry.pk,
        "status": inquiry.status,
        "category": inquiry.category,
        "confidence": inquiry.confidence,
        "margin": inquiry.margin,
        "sentiment": inquiry.sentiment,
        "escalated": inquiry.status != Inquiry.Status.ANSWERED_AUTO,
        "reasons": list(inquiry.escalation_reasons),
        "answer": inquiry.answer,
        "model_version": inquiry.model_version,
        "latency_ms": inquiry.latency_ms,
        "ticket_url": request.build_absolute_uri(path) if request else path,
        "created_at": _DATETIME.to_representation(inquiry.created_at),
    }


class InquiryOutputSerializer(serializers.Serializer):
    """The documented shape of a submitted inquiry (see inquiry_output)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    category = serializers.CharField()
    confidence = serializers.FloatField(allow_null=True)
    margin = serializers.FloatField(allow_null=True)
    sentiment = serializers.FloatField(allow_null=True)
    escalated = serializers.SerializerMethodField()
    reasons = serializers.ListField(child=serializers.CharField(), source="escalation_reasons")
    answer = serializers.CharField()
    model_version = serializers.CharField()
    latency_ms = serializers.FloatField(allow_null=True)
    ticket_url = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_escalated(self, obj: Inquiry) -> bool:
        return obj.status != Inquiry.Status.ANSWERED_AUTO

    def get_ticket_url(self, obj: Inquiry) -> str:
        path = reverse("supportdesk:ticket", kwargs={"token": obj.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AgentQueueItemSerializer(serializers.ModelSerializer):
    """Output only: every field read-only, so the schema lists each as always present."""

    reasons = serializers.ListField(child=serializers.CharField(), source="escalation_reasons", read_only=True)
    assigned_to = serializers.CharField(source="assigned_to.username", default=None, allow_null=True, read_only=True,
                                        help_text="The username of the agent working the ticket; null if none.")
    waiting_seconds = serializers.SerializerMethodField()
    response_due_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a person should first answer (the SLA); null if no target.")
    first_response_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                                  help_text="When the first agent reply was sent; null if none yet.")
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True,
                                            help_text="When the ticket was resolved; null while open.")
    breached = serializers.SerializerMethodField(
        help_text="Open, past its first-response due time and still without an agent reply.")

    class Meta:
        model = Inquiry
        fields = ["id", "status", "text", "category", "confidence", "sentiment", "upset", "reasons", "assigned_to",
                  "created_at", "waiting_seconds", "response_due_at", "first_response_at", "resolved_at", "breached"]
        read_only_fields = fields

    def get_waiting_seconds(self, obj: Inquiry) -> int:
        return int((timezone.now() - obj.created_at).total_seconds())

    def get_breached(self, obj: Inquiry) -> bool:
        return sla.is_breached(due_at=obj.response_due_at, first_response_at=obj.first_response_at,
                               is_open=obj.status in OPEN, now=self.context.get("now") or timezone.now())


class AgentQueueCountsSerializer(serializers.Serializer):
    """How many tickets each view holds under the category and reason filters (the search aside)."""

    open = serializers.IntegerField(help_text="Escalated or assigned.")
    mine = serializers.IntegerField(help_text="Assigned to you.")
    unassigned = serializers.IntegerField(help_text="Escalated, nobody on it yet.")
    waiting = serializers.IntegerField(help_text="Open, the last message is an agent's.")
    resolved = serializers.IntegerField()
    breached = serializers.IntegerField(help_text="Open tickets past their first-response due time.")


class AgentQueuePageSerializer(serializers.Serializer):
    """One page of a queue view, SLA breaches first, then most upset, then oldest (view=resolved: the most
    recently resolved first)."""

    items = AgentQueueItemSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True,
                                        help_text="Pass as ?cursor= (with the same view and filters) for the next "
                                                  "page; null on the last page.")
    counts = AgentQueueCountsSerializer()


class TicketMessageSerializer(serializers.Serializer):
    author_kind = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


EARLIER_TEXT_CHARS = 80


class EarlierTicketSerializer(serializers.Serializer):
    """Another ticket of the same customer (email, any case)."""

    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    text = serializers.SerializerMethodField(help_text=f"The first {EARLIER_TEXT_CHARS} characters of the inquiry.")

    def get_text(self, obj: Inquiry) -> str:
        return Truncator(obj.text).chars(EARLIER_TEXT_CHARS)


class AgentTicketSerializer(AgentQueueItemSerializer):
    messages = TicketMessageSerializer(many=True, read_only=True)
    confirmed_category = serializers.CharField(read_only=True, help_text="The category an agent set; empty if none.")
    probabilities = serializers.DictField(child=serializers.FloatField(), read_only=True,
                                          help_text="The classifier's probability of each category.")
    earlier_tickets = serializers.SerializerMethodField(
        help_text="The customer's other tickets (same email, any case), newest first, at most 20.")

    class Meta(AgentQueueItemSerializer.Meta):
        fields = [*AgentQueueItemSerializer.Meta.fields, "confirmed_category", "probabilities", "messages",
                  "earlier_tickets"]

    @extend_schema_field(EarlierTicketSerializer(many=True))
    def get_earlier_tickets(self, obj: Inquiry) -> list[dict]:
        return EarlierTicketSerializer(inquiry_earlier_tickets(email=obj.email, exclude_pk=obj.pk), many=True).data


class ReplyInputSerializer(serializers.Serializer):
    body = StrictCharField(min_length=1, max_length=MAX_TEXT)


class CategoryInputSerializer(serializers.Serializer):
    category = StrictCharField(min_length=1, max_length=64)


class ReassignInputSerializer(serializers.Serializer):
    agent = StrictCharField(min_length=1, max_length=150)
