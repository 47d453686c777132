from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared infrastructure: roles and access checks, live pushes, the CSP, rate limits and CSV
    exports. Every other app may import it; it imports none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Core"
