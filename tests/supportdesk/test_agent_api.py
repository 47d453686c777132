import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from supportdesk.models import Inquiry
from tests.factories import InquiryFactory, UserFactory


@pytest.fixture
def ticket(db):
    return InquiryFactory(status="escalated", category="delivery", sentiment=-0.9, escalation_reasons=["ambiguous"])


@pytest.fixture
def agent_api(bob_agent):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=bob_agent).key}")
    return client


def test_token_authenticated_agent_works_a_ticket_end_to_end(agent_api, ticket, active_model):
    queue = agent_api.get("/api/agent/queue/").json()["items"]
    assert [t["id"] for t in queue] == [ticket.pk]
    assert queue[0]["reasons"] == ["ambiguous"] and queue[0]["waiting_seconds"] >= 0
    base = f"/api/agent/tickets/{ticket.pk}"
    assert agent_api.post(f"{base}/claim/").json()["status"] == "assigned"
    assert agent_api.post(f"{base}/claim/").status_code == 409
    r = agent_api.post(f"{base}/reply/", {"body": "On its way!"}, format="json")
    assert r.status_code == 200 and r.json()["messages"][0]["body"] == "On its way!"
    r = agent_api.post(f"{base}/category/", {"category": "order"}, format="json")
    assert r.json()["confirmed_category"] == "order"
    assert agent_api.post(f"{base}/resolve/").json()["status"] == "resolved"
    assert agent_api.get("/api/agent/queue/").json()["items"] == []


@pytest.mark.parametrize(("path", "payload", "field"), [
    ("reply/", {"body": ""}, "body"),
    ("reply/", {"body": 5}, "body"),
    ("category/", {"category": "no-such-category"}, "detail"),
    ("reassign/", {"agent": "nobody"}, "agent"),
])
def test_bad_agent_input_is_a_400_naming_the_field(agent_api, ticket, active_model, path, payload, field):
    agent_api.post(f"/api/agent/tickets/{ticket.pk}/claim/")
    r = agent_api.post(f"/api/agent/tickets/{ticket.pk}/{path}", payload, format="json")
    assert r.status_code == 400 and field in r.json()


def test_session_authenticated_agent_needs_csrf(bob_agent, ticket):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bob_agent)
    assert client.get("/api/agent/queue/").status_code == 200
    assert client.post(f"/api/agent/tickets/{ticket.pk}/claim/").status_code == 403
    assert Inquiry.objects.get(pk=ticket.pk).status == "escalated"


def test_anonymous_and_other_roles_cannot_act(ticket):
    anonymous = APIClient()
    assert anonymous.get("/api/agent/queue/").status_code in (401, 403)
    annotator = APIClient()
    annotator.force_authenticate(UserFactory(username="ann", roles=["annotator"]))
    assert annotator.post(f"/api/agent/tickets/{ticket.pk}/claim/").status_code == 403
    assert Inquiry.objects.get(pk=ticket.pk).status == "escalated"


def test_unknown_ticket_is_404(agent_api):
    assert agent_api.get("/api/agent/tickets/999999/").status_code == 404
    assert agent_api.post("/api/agent/tickets/999999/claim/").status_code == 409


def test_agent_api_is_in_the_openapi_schema(client, db):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert {"/api/agent/queue/", "/api/agent/tickets/{id}/claim/", "/api/agent/tickets/{id}/resolve/"} <= set(paths)


def test_ticket_detail_lists_the_customers_earlier_tickets(agent_api, db):
    current = InquiryFactory(email="Ada@Repeat.Test", status="escalated")
    older = InquiryFactory(email="ada@repeat.test", status="resolved", text="y" * 200)
    newer = InquiryFactory(email="ADA@repeat.test", status="answered_auto", text="Where is my parcel?")
    InquiryFactory(email="grace@repeat.test", status="escalated")
    body = agent_api.get(f"/api/agent/tickets/{current.pk}/").json()
    assert [t["id"] for t in body["earlier_tickets"]] == [newer.pk, older.pk]
    first, second = body["earlier_tickets"]
    assert set(first) == {"id", "status", "created_at", "text"}
    assert first["status"] == "answered_auto" and first["text"] == "Where is my parcel?" and first["created_at"]
    assert second["text"] == "y" * 79 + "…"
    # the actions answer with the same shape
    assert [t["id"] for t in agent_api.post(f"/api/agent/tickets/{current.pk}/claim/").json()["earlier_tickets"]] \
        == [newer.pk, older.pk]


def test_ticket_detail_without_email_has_no_earlier_tickets(agent_api, db):
    current = InquiryFactory(email="", status="escalated")
    InquiryFactory(email="", status="escalated")
    assert agent_api.get(f"/api/agent/tickets/{current.pk}/").json()["earlier_tickets"] == []


def test_earlier_tickets_are_for_agents_only(db):
    current = InquiryFactory(email="ada@repeat.test", status="escalated")
    InquiryFactory(email="ada@repeat.test", status="resolved", text="private history")
    anonymous = APIClient().get(f"/api/agent/tickets/{current.pk}/")
    assert anonymous.status_code in (401, 403) and b"private history" not in anonymous.content
    customer = APIClient()
    customer.force_authenticate(UserFactory(username="cust", roles=["customer"]))
    r = customer.get(f"/api/agent/tickets/{current.pk}/")
    assert r.status_code == 403 and b"private history" not in r.content


def test_earlier_tickets_are_documented_in_the_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    ticket = schema["components"]["schemas"]["AgentTicket"]
    field = ticket["properties"]["earlier_tickets"]
    assert field["type"] == "array" and field["items"]["$ref"].endswith("/EarlierTicket")
    earlier = schema["components"]["schemas"]["EarlierTicket"]
    assert set(earlier["properties"]) == {"id", "status", "created_at", "text"}
    assert "earlier_tickets" in ticket["required"]


def test_agent_api_answers_are_never_cached(agent_api, ticket, active_model):
    answers = [
        agent_api.get("/api/agent/queue/"),
        agent_api.get(f"/api/agent/tickets/{ticket.pk}/"),
        agent_api.post(f"/api/agent/tickets/{ticket.pk}/claim/"),
        agent_api.post(f"/api/agent/tickets/{ticket.pk}/claim/"),  # 409
        agent_api.post(f"/api/agent/tickets/{ticket.pk}/reply/", {"body": ""}, format="json"),  # 400
        APIClient().get("/api/agent/queue/"),  # 401
    ]
    assert [r.status_code for r in answers] == [200, 200, 200, 409, 400, 401]
    for r in answers:
        assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"], r.status_code


@pytest.mark.parametrize("path", ["/api/agent/tickets/abc/", "/api/agent/tickets/-1/", "/api/agent/tickets/1.5/",
                                  "/api/agent/tickets/abc/claim/", "/api/agent/nothing/", "/api/"])
@pytest.mark.parametrize("who", ["agent", "anonymous"])
def test_a_malformed_id_or_unknown_api_path_is_a_json_404(agent_api, db, path, who):
    client = agent_api if who == "agent" else APIClient(enforce_csrf_checks=True)
    for method in (client.get, client.post):
        r = method(path)
        assert r.status_code == 404, (method, r.content)
        assert r["Content-Type"] == "application/json" and r.json() == {"detail": "Not found."}


def test_an_id_too_large_for_the_database_is_no_ticket_not_a_500(agent_api, db):
    # Django (5.0+) answers an out-of-range integer lookup with no rows instead of passing it to the driver.
    assert agent_api.get(f"/api/agent/tickets/{10**20}/").json() == {"detail": "no such ticket"}
    r = agent_api.post(f"/api/agent/tickets/{10**20}/reply/", {"body": "hi"}, format="json")
    assert r.status_code == 409 and r.json() == {"detail": "no such ticket"}  # as for any unknown id


def test_a_path_without_its_slash_still_redirects(agent_api, db):
    r = agent_api.get("/api/agent/queue")
    assert r.status_code == 301 and r["Location"] == "/api/agent/queue/"


def test_no_credentials_is_a_401_naming_the_token_scheme(db, ticket):
    for r in (APIClient().get("/api/agent/queue/"), APIClient().post(f"/api/agent/tickets/{ticket.pk}/claim/")):
        assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"
        assert "credentials were not provided" in r.json()["detail"]
    bad = APIClient()
    bad.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    r = bad.get("/api/agent/queue/")
    assert r.status_code == 401 and r["WWW-Authenticate"] == "Token"


def test_a_session_call_with_its_csrf_token_still_works(client, bob_agent, ticket):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(bob_agent)
    client.get("/agent/")  # the console page sets the CSRF cookie, as in the browser
    token = client.cookies["csrftoken"].value
    r = client.post(f"/api/agent/tickets/{ticket.pk}/claim/", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 200 and r.json()["assigned_to"] == "bob"
    r = client.post(f"/api/agent/tickets/{ticket.pk}/unclaim/")  # no CSRF token: refused
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]


def test_an_unassigned_ticket_is_documented_and_answered_with_a_null_agent(agent_api, ticket, client):
    assert agent_api.get("/api/agent/queue/").json()["items"][0]["assigned_to"] is None
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for name in ("AgentQueueItem", "AgentTicket"):
        field = schema["components"]["schemas"][name]["properties"]["assigned_to"]
        assert field["type"] == "string" and field["nullable"] is True


EXPECTED_ERRORS = {
    ("/api/inquiries/", "post"): {"400", "409", "413", "415", "429"},
    ("/api/agent/queue/", "get"): {"400", "401", "403"},
    ("/api/agent/tickets/{id}/", "get"): {"401", "403", "404"},
    **{(f"/api/agent/tickets/{{id}}/{a}/", "post"): {"401", "403", "404", "409"}
       for a in ("claim", "unclaim", "resolve")},
    **{(f"/api/agent/tickets/{{id}}/{a}/", "post"): {"400", "401", "403", "404", "409", "413", "415"}
       for a in ("reply", "category", "reassign")},
    ("/api/agent/tickets/{id}/notes/", "get"): {"401", "403", "404"},
    ("/api/agent/tickets/{id}/notes/", "post"): {"400", "401", "403", "404", "409", "413", "415"},
    ("/api/agent/saved-replies/", "get"): {"401", "403"},
    ("/api/agent/saved-replies/", "post"): {"400", "401", "403", "413", "415"},
    ("/api/agent/saved-replies/{id}/", "get"): {"401", "403", "404"},
    ("/api/agent/saved-replies/{id}/", "put"): {"400", "401", "403", "404", "413", "415"},
    ("/api/agent/saved-replies/{id}/", "delete"): {"401", "403", "404"},
}


def test_every_operation_documents_its_error_answers(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = {(path, method): op for path, ops in schema["paths"].items() for method, op in ops.items()}
    assert set(operations) == set(EXPECTED_ERRORS)
    for key, op in operations.items():
        errors = {code for code in op["responses"] if code >= "400"}
        assert errors == EXPECTED_ERRORS[key], key
        for code in errors:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref.rsplit("/", 1)[1] in {"Error", "FieldErrors"}, (key, code)
        if "401" in errors:
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
    assert "Retry-After" in operations[("/api/inquiries/", "post")]["responses"]["429"]["headers"]


def test_the_queue_api_takes_the_consoles_views_filters_and_search(agent_api, bob_agent, db):
    refund = InquiryFactory(status="escalated", category="refund", text="Money back", escalation_reasons=["high_risk"])
    mine = InquiryFactory(status="assigned", category="delivery", assigned_to=bob_agent, text="Parcel late")
    body = agent_api.get("/api/agent/queue/").json()
    assert set(body) == {"items", "next_cursor", "counts"} and body["next_cursor"] is None
    assert body["counts"] == {"open": 2, "mine": 1, "unassigned": 1, "waiting": 0, "resolved": 0, "breached": 0}
    assert [t["id"] for t in agent_api.get("/api/agent/queue/?view=mine").json()["items"]] == [mine.pk]
    assert [t["id"] for t in agent_api.get("/api/agent/queue/?category=refund").json()["items"]] == [refund.pk]
    assert [t["id"] for t in agent_api.get("/api/agent/queue/?reason=high_risk").json()["items"]] == [refund.pk]
    assert [t["id"] for t in agent_api.get("/api/agent/queue/?q=parcel").json()["items"]] == [mine.pk]
    assert [t["id"] for t in agent_api.get(f"/api/agent/queue/?q=%23{refund.pk}").json()["items"]] == [refund.pk]


def test_the_queue_api_pages_by_cursor_and_shows_the_sla(agent_api, db):
    from datetime import timedelta

    from django.utils import timezone

    late = InquiryFactory(status="escalated")
    Inquiry.objects.filter(pk=late.pk).update(response_due_at=timezone.now() - timedelta(minutes=5))
    for _ in range(50):
        InquiryFactory(status="escalated")
    first = agent_api.get("/api/agent/queue/").json()
    assert len(first["items"]) == 50 and first["next_cursor"]
    assert first["items"][0]["id"] == late.pk and first["items"][0]["breached"] is True
    assert first["items"][0]["response_due_at"] and first["items"][0]["first_response_at"] is None
    assert first["counts"]["breached"] == 1
    second = agent_api.get("/api/agent/queue/", {"cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 1 and second["next_cursor"] is None
    assert {t["id"] for t in first["items"]}.isdisjoint(t["id"] for t in second["items"])


@pytest.mark.parametrize(("query", "field"), [("view=all", "view"), ("cursor=abc", "cursor"), ("reason=x", "reason"),
                                              ("category=" + "c" * 65, "category")])
def test_bad_queue_parameters_are_a_400_naming_the_parameter(agent_api, db, query, field):
    r = agent_api.get(f"/api/agent/queue/?{query}")
    assert r.status_code == 400 and field in r.json()


def test_the_queue_parameters_are_documented(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    op = schema["paths"]["/api/agent/queue/"]["get"]
    names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    assert {"view", "category", "reason", "q", "cursor"} <= names
    page = schema["components"]["schemas"]["AgentQueuePage"]
    assert set(page["required"]) == {"items", "next_cursor", "counts"}
    assert "breached" in schema["components"]["schemas"]["AgentQueueItem"]["properties"]
