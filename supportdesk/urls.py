from django.urls import path

from supportdesk import views

app_name = "supportdesk"
urlpatterns = [
    path("", views.inquiry_new_view, name="inquiry-new"),
    path("t/lost/", views.ticket_link_request_view, name="ticket-link-request"),  # tokens are 32 characters
    path("t/<str:token>/", views.ticket_view, name="ticket"),
    path("t/<str:token>/body/", views.ticket_fragment_view, name="ticket-body"),
    path("t/<str:token>/follow-up/", views.ticket_follow_up_view, name="ticket-follow-up"),
    path("t/<str:token>/emails/stop/", views.ticket_mail_mute_view, name="ticket-mail-mute"),
]
