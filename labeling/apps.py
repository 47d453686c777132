from django.apps import AppConfig


class LabelingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "labeling"

    def ready(self) -> None:
        from labeling.receivers import on_model_promoted
        from mlcore.events import model_promoted

        model_promoted.connect(on_model_promoted, dispatch_uid="labeling.on_model_promoted")
