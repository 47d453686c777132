"""The customer's ticket page: its private headers on every response, and panels other apps add."""

import pytest

from supportdesk import ticket_page
from supportdesk.ticket_page import ticket_page_context, ticket_panel_register
from tests.factories import InquiryFactory


@pytest.fixture
def panels(monkeypatch):
    monkeypatch.setattr(ticket_page, "_panels", [])
    return ticket_page._panels


def test_a_registered_panel_adds_its_template_and_context(db, panels):
    seen = []

    def context(*, inquiry, answered):
        seen.append((inquiry.pk, answered))
        return {"loyalty_points": 40}

    ticket_panel_register(template="loyalty/_panel.html", context=context)
    ticket_panel_register(template="loyalty/_panel.html", context=context)  # registering twice adds it once
    inquiry = InquiryFactory(status="answered_auto", answer="Done.")
    ctx = ticket_page_context(inquiry=inquiry, overrides={"loyalty_points": 41})
    assert ctx["panel_templates"] == ["loyalty/_panel.html"] and seen == [(inquiry.pk, True)]
    assert ctx["loyalty_points"] == 41  # a posted form's errors override the fresh context


def test_feedback_registers_its_panel_when_the_app_is_ready():
    assert "feedback/_ticket_panel.html" in [p.template for p in ticket_page._panels]


@pytest.mark.parametrize("path", ["/t/{token}/", "/t/{token}/body/"])
def test_every_page_response_is_private(client, db, path):
    inquiry = InquiryFactory(status="escalated")
    r = client.get(path.format(token=inquiry.token))
    assert r.status_code == 200
    assert r["Cache-Control"] == "private, no-store" and r["Referrer-Policy"] == "same-origin"


def test_an_unknown_ticket_is_404(client, db):
    assert client.get("/t/not-a-token/").status_code == 404
