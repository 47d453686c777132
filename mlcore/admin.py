from django.contrib import admin

from mlcore.models import ModelVersion, TrainingExample


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
