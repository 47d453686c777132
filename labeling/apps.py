from django.apps import AppConfig


class LabelingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labeling"

    def ready(self) -> None:
        from labeling.receivers import on_category_added, on_model_promoted
        from mlcore.events import category_added, model_promoted

        model_promoted.connect(on_model_promoted, dispatch_uid="labeling.on_model_promoted")
        category_added.connect(on_category_added, dispatch_uid="labeling.on_category_added")
