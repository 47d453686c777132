from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import health_view

urlpatterns = [
    path("", include("supportdesk.urls")),
    path("api/", include("supportdesk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("health/", health_view, name="health"),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
]
