from django.contrib import admin

from supportdesk.models import EscalationPolicy, FAQEntry, Inquiry, TicketEvent


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "actor", "reason", "created_at")
    can_delete = False


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "category", "confidence", "model_version", "created_at")
    list_filter = ("status", "category", "model_version")
    search_fields = ("text", "email", "name")
    readonly_fields = ("token", "category", "confidence", "margin", "sentiment", "probabilities", "model_version",
                       "latency_ms", "escalation_reasons", "created_at", "updated_at")
    inlines = [TicketEventInline]


@admin.register(FAQEntry)
class FAQEntryAdmin(admin.ModelAdmin):
    list_display = ("category", "question", "is_active", "updated_at")
    list_filter = ("category", "is_active")
    search_fields = ("question", "answer")


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "confidence_threshold", "margin_threshold", "negative_sentiment_threshold",
                    "use_model_thresholds", "updated_at")
