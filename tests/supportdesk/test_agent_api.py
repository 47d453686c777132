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
    queue = agent_api.get("/api/agent/queue/").json()
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
    assert agent_api.get("/api/agent/queue/").json() == []


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
