from django.urls import path

from feedback import dashboard_views as v

app_name = "dashboards"
urlpatterns = [
    path("", v.dashboard_view, name="feedback"),
    path("feedback.csv", v.feedback_export_view, name="feedback-csv"),
    path("clusters/", v.clusters_view, name="clusters"),
    path("clusters/run/", v.clusters_run_view, name="clusters-run"),
]
