from django.urls import path

from feedback import dashboard_views as v
from feedback.operations_views import operations_view

app_name = "dashboards"
urlpatterns = [
    path("", v.dashboard_view, name="feedback"),
    path("operations/", operations_view, name="operations"),
    path("feedback.csv", v.feedback_export_view, name="feedback-csv"),
    path("clusters/", v.clusters_view, name="clusters"),
    path("clusters/run/", v.clusters_run_view, name="clusters-run"),
    path("clusters/runs/", v.clusters_runs_view, name="clusters-runs"),
    path("clusters/topics/<int:pk>/category/", v.clusters_category_view, name="clusters-category"),
]
