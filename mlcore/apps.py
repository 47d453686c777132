from django.apps import AppConfig


class MlcoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mlcore"
    verbose_name = "ML core"
