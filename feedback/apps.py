from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "feedback"

    def ready(self) -> None:
        from feedback import ticket_panel
        from feedback.training import feedback_training_rows
        from mlcore.providers import training_rows_provider_register
        from supportdesk.ticket_page import ticket_panel_register

        ticket_panel_register(template=ticket_panel.TEMPLATE, context=ticket_panel.ticket_panel_context)
        training_rows_provider_register(name="feedback", provider=feedback_training_rows)
