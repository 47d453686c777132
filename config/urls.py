from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import health_view
from config.metrics import metrics_view
from core.api import api_not_found
from supportdesk.views import home_view

urlpatterns = [
    path("", include("supportdesk.urls")),
    path("", include("feedback.urls")),
    path("agent/", include("supportdesk.agent_urls")),
    path("dashboards/", include("feedback.dashboard_urls")),
    path("models/", include("mlcore.urls")),
    path("labeling/", include("labeling.urls")),
    path("api/", include("supportdesk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Any other /api/.../ (a malformed id: /api/agent/tickets/abc/) is a JSON 404, not the HTML page.
    # Only paths ending in "/": without it CommonMiddleware first redirects to the slashed path (APPEND_SLASH).
    re_path(r"^api/(?:.*/)?$", api_not_found),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", home_view, name="home"),
    path("health/", health_view, name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("admin/", admin.site.urls),
]
