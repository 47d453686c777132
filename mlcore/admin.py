from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from core.roles import ADMIN, user_has_role
from mlcore.categories import (
    category_display,
    category_display_check,
    category_guide,
    category_guide_update,
    category_rows_ensure,
    readable,
)
from mlcore.models import (
    Category,
    DriftReport,
    ModelVersion,
    NewCategory,
    Prediction,
    Rollout,
    ShadowPrediction,
    TrainingExample,
    TrainingRun,
)
from mlcore.rollout import rollout_halt, rollout_start
from mlcore.selectors import category_names_known
from mlcore.services import (
    CATEGORY_NAME,
    PromotionError,
    modelversion_promote,
    modelversion_rollback,
    newcategory_create,
)


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


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ("display_name", "description", "examples")
        widgets = {"description": forms.Textarea(attrs={"rows": 4}), "examples": forms.Textarea(attrs={"rows": 6})}

    def clean_display_name(self) -> str:
        return category_display_check(name=self.instance.name, display_name=self.cleaned_data["display_name"])


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Display names and guidelines, for admins only. Every known category has a row (made when the list
    opens); names are what the model predicts and records keep, so they are not edited here."""

    form = CategoryForm
    list_display = ("name", "shown_as", "has_guideline", "example_count", "updated_at")
    search_fields = ("name", "display_name", "description")
    readonly_fields = ("name",)
    fieldsets = ((None, {"fields": ("name", "display_name", "description", "examples"),
                         "description": "People read the display name everywhere in the product (the name "
                                        "made readable when it is empty); the API and exports keep the name. "
                                        "Annotators see the description and examples beside the buttons. "
                                        "Other processes show a change within 10 seconds."}),)

    @admin.display(description="shown as")
    def shown_as(self, obj: Category) -> str:
        return obj.display_name or f"{readable(obj.name)} (from the name)"

    @admin.display(description="has guideline", boolean=True)
    def has_guideline(self, obj: Category) -> bool:
        return bool(category_guide(obj.name).description)

    @admin.display(description="examples")
    def example_count(self, obj: Category) -> int:
        return len([line for line in obj.examples.splitlines() if line.strip()])

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and self.has_change_permission(request):
            category_rows_ensure()
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj: Category, form, change: bool) -> None:
        saved = category_guide_update(name=obj.name, **{f: form.cleaned_data[f] for f in CategoryForm.Meta.fields})
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def has_module_permission(self, request) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_view_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_change_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_add_permission(self, request) -> bool:
        return False  # rows exist for every known category; a new one comes from a topic (NewCategory)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class NewCategoryForm(forms.ModelForm):
    display_name = forms.CharField(max_length=100, required=False,
                                   help_text="What people read; the name made readable when empty.")

    class Meta:
        model = NewCategory
        fields = ("name", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"name": "What the model predicts and records keep: lower case, digits and underscores "
                              "(like shipping_address). It cannot be changed later."}

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not CATEGORY_NAME.match(name):
            raise forms.ValidationError("2-64 characters: lower-case letters, digits and underscores, starting "
                                        "with a letter (like shipping_address)")
        if name in category_names_known():
            raise forms.ValidationError(f"there is already a category {name!r}")
        return name

    def clean_display_name(self) -> str:
        return category_display_check(name=self.cleaned_data.get("name", ""),
                                      display_name=self.cleaned_data["display_name"])


@admin.register(NewCategory)
class NewCategoryAdmin(admin.ModelAdmin):
    """Categories added after the starter set: from a topic (the topics page) or here, e.g. from what
    annotators suggested. Annotators can choose one at once; training waits for enough gold labels."""

    form = NewCategoryForm
    list_display = ("name", "shown_as", "origin", "created_by", "created_at")
    search_fields = ("name", "description")
    fields = ("name", "display_name", "description")

    @admin.display(description="shown as")
    def shown_as(self, obj: NewCategory) -> str:
        return category_display(obj.name)

    def get_readonly_fields(self, request, obj=None):
        return ("name", "description", "origin") if obj else ()

    def get_fields(self, request, obj=None):
        return ("name", "description", "origin") if obj else self.fields

    def save_model(self, request, obj: NewCategory, form, change: bool) -> None:
        try:
            made = newcategory_create(name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                                      display_name=form.cleaned_data["display_name"], actor=request.user,
                                      origin=f"added in the admin by {request.user.get_username()}")
        except ValidationError as exc:  # added by someone else between the form's check and now
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        obj.pk = made.pk

    def has_module_permission(self, request) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_view_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_add_permission(self, request) -> bool:
        return user_has_role(request.user, ADMIN)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # its display name and guideline are edited on its Category row

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # labels and training examples may carry the name
