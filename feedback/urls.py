from django.urls import path

from feedback import views

app_name = "feedback"
urlpatterns = [
    path("t/<str:token>/signals/", views.signal_view, name="signal"),
    path("t/<str:token>/feedback/", views.feedback_view, name="submit"),
]
