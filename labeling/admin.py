from django.contrib import admin

from labeling.models import Annotation, LabelingBatch, LabelingItem, PoolText, ReviewDecision


@admin.register(LabelingBatch)
class LabelingBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "trigger", "strategy", "model_version", "annotators_per_item", "kappa",
                    "policy")
    readonly_fields = [f.name for f in LabelingBatch._meta.fields]


@admin.register(LabelingItem)
class LabelingItemAdmin(admin.ModelAdmin):
    list_display = ("id", "batch", "status", "gold_label", "gold_source", "model_category")
    list_filter = ("status", "gold_source")
    search_fields = ("text",)
    readonly_fields = [f.name for f in LabelingItem._meta.fields]


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "item", "annotator", "label", "skipped", "submitted_at")
    readonly_fields = [f.name for f in Annotation._meta.fields]


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(admin.ModelAdmin):
    list_display = ("id", "item", "reviewer", "label", "created_at")
    readonly_fields = [f.name for f in ReviewDecision._meta.fields]


@admin.register(PoolText)
class PoolTextAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "created_at")
    search_fields = ("text",)
