from django.urls import path

from mlcore import views as v

app_name = "models"
urlpatterns = [
    path("", v.models_view, name="index"),
    path("retrain/", v.retrain_view, name="retrain"),
    path("runs/", v.runs_fragment_view, name="runs"),
    path("runs/<int:pk>/", v.run_view, name="run"),
    path("versions/<str:version>/promote/", v.promote_view, name="promote"),
    path("versions/<str:version>/reject/", v.reject_view, name="reject"),
    path("versions/<str:version>/rollout/<str:mode>/", v.rollout_start_view, name="rollout-start"),
    path("rollback/", v.rollback_view, name="rollback"),
    path("rollout/halt/", v.rollout_halt_view, name="rollout-halt"),
]
