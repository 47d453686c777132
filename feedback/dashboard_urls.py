from django.urls import path

from feedback import dashboard_views as v

app_name = "dashboards"
urlpatterns = [
    path("", v.dashboard_view, name="feedback"),
    path("feedback.csv", v.feedback_export_view, name="feedback-csv"),
]
