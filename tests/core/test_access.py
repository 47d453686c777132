"""Every route in the URL resolver, every role: who may reach what. A new route without an entry
in ACCESS (or outside the admin site) fails test_every_route_has_an_access_rule."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import InquiryFactory, UserFactory

PUBLIC, AGENT, ADMIN, STAFF = "public", "agent", "admin", "staff"
ANNOTATOR, REVIEWER, LABELING, OVERSIGHT = "annotator", "reviewer", "annotator|reviewer", "reviewer|admin"
ACCESS = {
    "supportdesk:inquiry-new": PUBLIC,
    "supportdesk:ticket": PUBLIC,  # the unguessable token is the credential (tested in test_views)
    "supportdesk:ticket-body": PUBLIC,
    "supportdesk:ticket-follow-up": PUBLIC,
    "supportdesk:ticket-link-request": PUBLIC,  # answers alike for every address, rate-limited (test_link_request)
    "supportdesk:ticket-mail-mute": PUBLIC,  # under the ticket's token; GET only asks (test_link_request)
    "feedback:signal": PUBLIC,  # keyed by the ticket's secret token, CSRF-protected
    "feedback:submit": PUBLIC,
    "supportdesk-api:inquiry-create": PUBLIC,
    "api-schema": PUBLIC,
    "api-docs": PUBLIC,
    "login": PUBLIC,
    "logout": PUBLIC,
    "home": PUBLIC,
    "health": PUBLIC,
    "metrics": PUBLIC,  # METRICS_TOKEN restricts it in production (test_metrics)
    "dashboards:feedback": ADMIN,
    "dashboards:feedback-csv": ADMIN,
    "dashboards:clusters": ADMIN,
    "dashboards:clusters-run": ADMIN,
    "dashboards:clusters-runs": ADMIN,
    "dashboards:clusters-category": ADMIN,
    "dashboards:operations": ADMIN,
    **{f"models:{n}": ADMIN for n in ("index", "runs", "retrain", "run", "promote", "reject", "rollback",
                                   "rollout-start", "rollout-halt")},
    **{f"agent:{n}": AGENT for n in ("console", "queue", "ticket", "ticket-body", "claim", "unclaim", "reply",
                                      "category", "resolve", "reassign", "note", "saved-replies",
                                      "saved-reply-edit", "saved-reply-delete")},
    **{f"supportdesk-api:agent-{n}": AGENT for n in ("queue", "ticket", "claim", "unclaim", "reply", "category",
                                                      "resolve", "reassign", "notes", "saved-replies",
                                                      "saved-reply")},
    **{f"labeling:{n}": ANNOTATOR for n in ("annotate", "take", "label", "skip", "undo")},
    "labeling:counts": LABELING,
    "labeling:history": ANNOTATOR,
    "labeling:change": ANNOTATOR,
    "labeling:comment": LABELING,
    "labeling:suggestions": OVERSIGHT,
    **{f"labeling:{n}": REVIEWER for n in ("review", "review-item", "review-decide")},
    **{f"labeling:{n}": OVERSIGHT for n in ("stats", "fill", "gold-csv", "gold-jsonl")},
}
POST_ONLY = {"dashboards:clusters-run", "dashboards:clusters-category",
             "models:retrain", "models:promote", "models:reject", "models:rollback",
             "models:rollout-start", "models:rollout-halt",
             "supportdesk:ticket-follow-up", "feedback:signal", "feedback:submit",
             "supportdesk-api:inquiry-create",
             "logout",
             *(f"agent:{n}" for n in ("claim", "unclaim", "reply", "category", "resolve", "reassign", "note",
                                      "saved-reply-delete")),
             *(f"supportdesk-api:agent-{n}" for n in ("claim", "unclaim", "reply", "category", "resolve", "reassign")),
             *(f"labeling:{n}" for n in ("take", "label", "skip", "undo", "review-decide", "fill")),
             "labeling:change", "labeling:comment"}
ADMIN_PUBLIC = {"admin:login", "admin:logout"}


def walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


ROUTES = sorted(set(walk(get_resolver().url_patterns)))


def sample_url(pattern: str, ids: dict) -> str:
    url = re.sub(r"<int:\w+>", str(ids["pk"]), pattern)
    url = re.sub(r"<str:token>", ids["token"], url)
    url = re.sub(r"<(?:path|str|slug):\w+>", "1", url)
    url = re.sub(r"\(\?P<\w+>([^)|]+)[^)]*\)", r"\1", url)  # a regex group: its first alternative
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    return "/" + url


def rule(name: str) -> str:
    if name.startswith("admin:"):
        return PUBLIC if name in ADMIN_PUBLIC else STAFF
    return ACCESS[name]


def test_every_route_has_an_access_rule():
    missing = [n for n, _ in ROUTES if not n.startswith("admin:") and n not in ACCESS]
    assert missing == [], f"add these routes to ACCESS: {missing}"
    assert not set(ACCESS) - {n for n, _ in ROUTES}, "ACCESS names a route that no longer exists"


ROLES = ["anonymous", "customer", "annotator", "reviewer", "agent", "admin"]


@pytest.fixture
def as_role(client, db):
    def login(role: str):
        if role == "admin":
            client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
        elif role != "anonymous":
            client.force_login(UserFactory(username=f"{role}-user", roles=[role]))
        return client

    return login


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "pattern"), ROUTES, ids=[n for n, _ in ROUTES])
def test_route_access(as_role, active_model, role, name, pattern):
    ticket = InquiryFactory(status="escalated", category="delivery")
    client = as_role(role)
    url = sample_url(pattern, {"pk": ticket.pk, "token": ticket.token})
    method = client.post if name in POST_ONLY else client.get
    is_api = name.startswith(("supportdesk-api:", "api-"))
    r = method(url, HTTP_ACCEPT="application/json" if is_api else "text/html")
    kind = rule(name)
    login_redirect = r.status_code == 302 and "login" in r.get("Location", "")
    denied = r.status_code in (401, 403) or login_redirect
    assert r.status_code != 500, url  # /health/ may say 503: its checks run on other connections
    if kind == PUBLIC:
        assert not denied, (url, r.status_code)
    elif kind == AGENT:
        assert denied is (role not in ("agent", "admin")), (url, r.status_code)
    elif kind == ADMIN:
        assert denied is (role != "admin"), (url, r.status_code)
    elif kind in (ANNOTATOR, REVIEWER, LABELING, OVERSIGHT):
        allowed = {*kind.split("|"), "admin"}
        assert denied is (role not in allowed), (url, r.status_code)
    else:
        # Only staff get past the admin's login; inside, some actions are switched off (403) on purpose.
        assert login_redirect is (role != "admin"), (url, r.status_code)


STAFF_PAGES = [(n, p) for n, p in ROUTES if not n.startswith("admin:") and ACCESS[n] != PUBLIC and n not in POST_ONLY]


@pytest.mark.parametrize(("name", "pattern"), STAFF_PAGES, ids=[n for n, _ in STAFF_PAGES])
def test_every_staff_page_is_never_cached(as_role, active_model, name, pattern):
    """They show tickets, customers' emails and exports: no copy in the browser's or a proxy's cache."""
    ticket = InquiryFactory(status="escalated", category="delivery")
    r = as_role("admin").get(sample_url(pattern, {"pk": ticket.pk, "token": ticket.token}))
    if r.status_code == 404:  # the sample id names no item of that page: nothing is shown
        return
    assert r.status_code == 200, (name, r.status_code)
    assert "no-store" in r.get("Cache-Control", ""), (name, r.get("Cache-Control"))
