from django.urls import reverse
from rest_framework import serializers

from supportdesk.forms import MAX_TEXT
from supportdesk.models import Inquiry


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


class InquiryOutputSerializer(serializers.ModelSerializer):
    escalated = serializers.SerializerMethodField()
    reasons = serializers.JSONField(source="escalation_reasons")
    ticket_url = serializers.SerializerMethodField()

    class Meta:
        model = Inquiry
        fields = ["id", "status", "category", "confidence", "margin", "sentiment", "escalated", "reasons", "answer",
                  "model_version", "latency_ms", "ticket_url", "created_at"]

    def get_escalated(self, obj: Inquiry) -> bool:
        return obj.status != Inquiry.Status.ANSWERED_AUTO

    def get_ticket_url(self, obj: Inquiry) -> str:
        path = reverse("supportdesk:ticket", kwargs={"token": obj.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
