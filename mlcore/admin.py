from django.contrib import admin

from mlcore.models import DriftReport, ModelVersion, TrainingExample, TrainingRun


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "status", "snapshot_id", "created_at", "promoted_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in ModelVersion._meta.fields]


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
