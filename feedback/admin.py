from django.contrib import admin

from feedback.models import ExplicitFeedback, ImplicitSignal


@admin.register(ExplicitFeedback)
class ExplicitFeedbackAdmin(admin.ModelAdmin):
    list_display = ("inquiry", "helpful", "rating", "nps", "score", "created_at")
    list_filter = ("helpful", "rating")
    readonly_fields = [f.name for f in ExplicitFeedback._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(ImplicitSignal)
class ImplicitSignalAdmin(admin.ModelAdmin):
    list_display = ("inquiry", "view_id", "clicked", "dwell_seconds", "scroll_depth", "score", "updated_at")
    readonly_fields = [f.name for f in ImplicitSignal._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
