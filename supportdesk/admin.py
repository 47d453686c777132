from django import forms
from django.contrib import admin

from supportdesk.models import (
    EscalationPolicy,
    FAQEntry,
    Inquiry,
    ResponseTarget,
    SavedReply,
    TicketEvent,
    TicketMessage,
)
from supportdesk.services import faq_entry_embed


class TicketEventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "actor", "reason", "created_at")
    can_delete = False


class TicketMessageInline(admin.TabularInline):
    model = TicketMessage
    extra = 0
    readonly_fields = ("author_kind", "author", "body", "created_at")
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "category", "confidence", "model_version", "created_at")
    list_filter = ("status", "category", "model_version")
    search_fields = ("text", "email", "name")
    readonly_fields = ("token", "text", "name", "email", "category", "confidence", "margin", "sentiment",
                       "probabilities", "model_version", "latency_ms", "escalation_reasons", "answer", "faq_entry",
                       "confirmed_category", "created_at", "updated_at", "resolved_at")
    fields = (*readonly_fields[1:], "status", "assigned_to")
    inlines = [TicketMessageInline, TicketEventInline]

    def has_add_permission(self, request) -> bool:
        return False  # inquiries come from customers


@admin.register(FAQEntry)
class FAQEntryAdmin(admin.ModelAdmin):
    list_display = ("category", "question", "is_active", "updated_at")
    list_filter = ("category", "is_active")
    search_fields = ("question", "answer")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        faq_entry_embed(entry=obj)  # the automatic answer is chosen by this embedding


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "confidence_threshold", "margin_threshold", "negative_sentiment_threshold",
                    "high_risk_categories", "use_model_thresholds", "updated_by", "updated_at")
    readonly_fields = ("updated_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        # Django's admin log keeps each change (who, when, which fields); this shows the last one.
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def has_add_permission(self, request) -> bool:
        return not EscalationPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ResponseTargetForm(forms.ModelForm):
    class Meta:
        model = ResponseTarget
        fields = ("kind", "category", "minutes")

    def clean(self):
        data = super().clean()
        kind, category = data.get("kind"), (data.get("category") or "").strip()
        if kind == ResponseTarget.Kind.CATEGORY and not category:
            self.add_error("category", "name the category this target is for")
        elif kind != ResponseTarget.Kind.CATEGORY and category:
            self.add_error("category", "only a 'category' target names a category")
        if data.get("minutes") == 0:
            self.add_error("minutes", "at least 1 minute")
        data["category"] = category
        return data


@admin.register(ResponseTarget)
class ResponseTargetAdmin(admin.ModelAdmin):
    """First-response targets; without a default row, SUPPORTLOOP_FIRST_RESPONSE_MINUTES applies.
    A target applies to tickets escalated after it is saved."""

    form = ResponseTargetForm
    list_display = ("kind", "category", "minutes", "updated_at")
    list_filter = ("kind",)


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ("title", "created_by", "updated_at")
    search_fields = ("title", "body")
    readonly_fields = ("created_by", "updated_at")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
