from django.contrib import admin, messages

from mlcore.models import (
    DriftReport,
    ModelVersion,
    Prediction,
    Rollout,
    ShadowPrediction,
    TrainingExample,
    TrainingRun,
)
from mlcore.rollout import rollout_halt, rollout_start
from mlcore.services import PromotionError, modelversion_promote, modelversion_rollback


def _one(modeladmin, request, queryset, action) -> None:
    if queryset.count() != 1:
        modeladmin.message_user(request, "select exactly one version", messages.ERROR)
        return
    try:
        result = action(queryset.first())
    except PromotionError as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
    else:
        modeladmin.message_user(request, f"done: {result}", messages.SUCCESS)


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "snapshot_id", "created_at", "promoted_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ModelVersion._meta.fields]
    actions = ["promote", "rollback", "start_shadow", "start_canary"]

    @admin.action(description="Promote the selected version (every web process switches within seconds)")
    def promote(self, request, queryset):
        _one(self, request, queryset, lambda mv: modelversion_promote(version=mv.version, actor=request.user))

    @admin.action(description="Roll back to the previously active version")
    def rollback(self, request, queryset):
        try:
            mv = modelversion_rollback(actor=request.user)
        except PromotionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"rolled back: {mv.version} is active", messages.SUCCESS)

    @admin.action(description="Start a shadow rollout (candidate scores live traffic, only logged)")
    def start_shadow(self, request, queryset):
        _one(self, request, queryset, lambda mv: rollout_start(version=mv.version, mode="shadow", actor=request.user))

    @admin.action(description="Start a canary rollout (1%% → 5%% → 25%% → 50%% → 100%%, halted on worse metrics)")
    def start_canary(self, request, queryset):
        _one(self, request, queryset, lambda mv: rollout_start(version=mv.version, mode="canary", actor=request.user))


@admin.register(Rollout)
class RolloutAdmin(admin.ModelAdmin):
    list_display = ("candidate", "mode", "status", "fraction", "stage_started_at", "reason")
    list_filter = ("status", "mode")
    readonly_fields = [f.name for f in Rollout._meta.fields]
    actions = ["halt"]

    @admin.action(description="Halt the running rollout")
    def halt(self, request, queryset):
        try:
            rollout = rollout_halt(reason="halted in the admin", actor=request.user)
        except PromotionError as exc:
            self.message_user(request, str(exc), messages.ERROR)
        else:
            self.message_user(request, f"halted: {rollout}", messages.SUCCESS)


@admin.register(ShadowPrediction)
class ShadowPredictionAdmin(admin.ModelAdmin):
    list_display = ("ref", "model_version", "category", "confidence", "escalated", "agrees", "created_at")
    list_filter = ("model_version", "agrees", "escalated")
    readonly_fields = [f.name for f in ShadowPrediction._meta.fields]


@admin.register(Prediction)
class PredictionAdmin(admin.ModelAdmin):
    list_display = ("ref", "model_version", "category", "confidence", "escalated", "confirmed_category",
                    "feedback_score", "created_at")
    list_filter = ("model_version", "escalated")
    search_fields = ("ref",)
    readonly_fields = [f.name for f in Prediction._meta.fields]


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ("text", "category", "sentiment", "source", "created_at")
    list_filter = ("source", "category")
    search_fields = ("text",)


@admin.register(TrainingRun)
class TrainingRunAdmin(admin.ModelAdmin):
    """Read-only: runs change only through the pipeline (start them from /models/)."""

    list_display = ("id", "trigger", "status", "stage", "epoch", "snapshot_id", "model_version", "created_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in TrainingRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(DriftReport)
class DriftReportAdmin(admin.ModelAdmin):
    list_display = ("created_at", "level", "psi_class", "psi_confidence", "ks_pvalue", "n_recent", "model_version")
    list_filter = ("level",)
    readonly_fields = [f.name for f in DriftReport._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
