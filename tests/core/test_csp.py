"""The Content-Security-Policy (django-csp): the global policy from settings, the chart pages' override.

Headers are compared as parsed directives: django-csp 4.0 orders the directives by a set (it varies
from one process to the next), and the order has no meaning to a browser."""

import pytest
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from feedback.dashboard_views import CHARTS_CSP

GLOBAL = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"], "object-src": ["'none'"], "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"], "form-action": ["'self'"],
}
CHARTS = {**GLOBAL, "style-src": ["'self'", "'unsafe-inline'"]}  # feedback dashboards
MODELS = {**GLOBAL, "style-src": ["'self'", "'unsafe-inline'"]}  # the model page (its live runs table uses ws)


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice in {header!r}"
        parsed[name] = sources
    return parsed


def test_the_global_policy_from_settings():
    assert directives(build_policy()) == GLOBAL


def test_the_chart_pages_widen_only_style_src():
    assert directives(build_policy(replace=CHARTS_CSP)) == CHARTS


@pytest.mark.parametrize("policy", [build_policy(), build_policy(replace=CHARTS_CSP)])
def test_scripts_connect_to_this_site_only(policy):
    # No scheme sources (ws:, wss:, https:): they would let an injected script open a socket to any
    # host. CSP Level 3's 'self' covers ws:/wss: to this host (tests/e2e open the live sockets under it).
    assert directives(policy)["connect-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/", "/no-such-page/", "/dashboards/", "/models/"])
def test_every_response_carries_the_global_policy(client, db, path):
    r = client.get(path)  # the admin pages answer anonymous visitors with a redirect to the login page
    assert directives(r["Content-Security-Policy"]) == GLOBAL


@pytest.mark.parametrize(("path", "expected"), [("/dashboards/", CHARTS), ("/dashboards/clusters/", CHARTS),
                                                ("/models/", MODELS)])
def test_the_chart_pages_get_their_policy(client, admin_user, path, expected):
    client.force_login(admin_user)
    r = client.get(path)
    assert r.status_code == 200
    assert directives(r["Content-Security-Policy"]) == expected


def test_a_response_that_sets_its_own_policy_keeps_it():
    from csp.middleware import CSPMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = CSPMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"

