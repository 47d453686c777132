from django.urls import reverse
from django.utils.text import Truncator
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from supportdesk.forms import MAX_TEXT
from supportdesk.models import Inquiry
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
    reasons = serializers.JSONField(source="escalation_reasons")
    assigned_to = serializers.CharField(source="assigned_to.username", default=None)
    waiting_seconds = serializers.SerializerMethodField()

    class Meta:
        model = Inquiry
        fields = ["id", "status", "text", "category", "confidence", "sentiment", "reasons", "assigned_to",
                  "created_at", "waiting_seconds"]

    def get_waiting_seconds(self, obj: Inquiry) -> int:
        from django.utils import timezone

        return int((timezone.now() - obj.created_at).total_seconds())


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
    messages = TicketMessageSerializer(many=True)
    confirmed_category = serializers.CharField()
    probabilities = serializers.JSONField()
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
