from django.urls import path

from supportdesk.api import InquiryCreateApi

app_name = "supportdesk-api"
urlpatterns = [
    path("inquiries/", InquiryCreateApi.as_view(), name="inquiry-create"),
]
