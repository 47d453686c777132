from django.urls import path

from supportdesk import views

app_name = "supportdesk"
urlpatterns = [
    path("", views.inquiry_new_view, name="inquiry-new"),
    path("t/<str:token>/", views.ticket_view, name="ticket"),
]
