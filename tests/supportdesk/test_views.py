import re

import pytest
from django.test import Client
from django.utils.html import escape

from supportdesk import selectors
from supportdesk.models import Inquiry
from tests.factories import InquiryFactory, TicketMessageFactory

XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>{{7*7}}'


def test_form_page_has_a_csrf_token_and_a_csp(client, db):
    r = client.get("/")
    assert r.status_code == 200
    assert b"csrfmiddlewaretoken" in r.content
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert b"<script>" not in r.content  # no inline script anywhere


def test_submitting_the_form_leads_to_the_ticket_page(client, active_model):
    r = client.post("/", {"text": "My package never arrived, order 12345", "name": "", "email": ""})
    assert r.status_code == 302
    inquiry = Inquiry.objects.get()
    assert r["Location"] == f"/t/{inquiry.token}/"
    page = client.get(r["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert inquiry.category == "delivery" and "delivery" not in html
    if inquiry.status == "escalated":
        assert "A member of our support team will reply here" in html
    else:
        assert escape(inquiry.answer.split(".")[0]) in html


def test_form_without_csrf_token_is_refused(db):
    strict = Client(enforce_csrf_checks=True)
    r = strict.post("/", {"text": "hello"})
    assert r.status_code == 403
    assert not Inquiry.objects.exists()


def test_invalid_form_is_a_400_with_the_message_and_stores_nothing(client, active_model):
    r = client.post("/", {"text": "", "email": "nope"})
    assert r.status_code == 400
    assert b"This field is required" in r.content and b"valid email" in r.content
    assert not Inquiry.objects.exists()


def test_unknown_ticket_is_404(client, db):
    assert client.get("/t/not-a-real-token/").status_code == 404


def test_user_text_is_escaped_on_the_ticket_page(client, active_model):
    client.post("/", {"text": XSS, "name": XSS})
    inquiry = Inquiry.objects.get()
    html = client.get(f"/t/{inquiry.token}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{7*7}}" in html and "49" not in html.split("You wrote")[1].split("</p>")[0]


def test_ticket_tokens_are_unguessable(active_model):
    tokens = {Inquiry.objects.create(text="t").token for _ in range(20)}
    assert len(tokens) == 20 and all(len(t) >= 32 for t in tokens)


INTERNALS = dict(category="shipping_address", confidence=0.4321, margin=0.0123, sentiment=-0.87, model_version="v7",
                 escalation_reasons=["low_confidence", "ambiguous", "negative_sentiment", "high_risk"])


@pytest.fixture
def fresh_estimate():
    selectors.selector_caches_clear()
    yield
    selectors.selector_caches_clear()


def customer_text(client, inquiry, fragment: bool = False):
    """The ticket page (or its live fragment) as the customer sees it: the text without the markup."""
    r = client.get(f"/t/{inquiry.token}/" + ("body/" if fragment else ""))
    assert r.status_code == 200
    text = re.sub(r"<[^>]+>", " ", r.content.decode())
    return r, " ".join(text.split())


def assert_no_internals(text: str) -> None:
    for leak in ["shipping_address", "0.43", "0.01", "-0.87", "Confidence", "Category", "model v",
                 *INTERNALS["escalation_reasons"], "not confident", "almost equally likely", "sounds upset",
                 "answered_auto", "Escalated"]:
        assert leak not in text, leak
    assert not re.search(r"\bv\d+\b", text)  # no model version


@pytest.mark.parametrize("fragment", [False, True])
def test_an_escalated_ticket_says_a_person_replies_and_roughly_when(client, db, fresh_estimate, fragment):
    inquiry = InquiryFactory(status="escalated", email="ada@example.com", **INTERNALS)
    r, text = customer_text(client, inquiry, fragment)
    assert "Waiting for our team" in text
    assert "A member of our support team will reply here, usually within a day." in text
    assert "email" not in text.lower() and "ada@example.com" not in text  # the product sends no email yet
    assert_no_internals(text)
    assert r["X-Model-Version"] == "v7"  # the header stays (support can quote it); the text never shows it


def test_the_estimate_follows_the_setting(client, db, fresh_estimate, settings):
    settings.SUPPORTLOOP_REPLY_ESTIMATE_HOURS = 2
    _, text = customer_text(client, InquiryFactory(status="escalated", **INTERNALS))
    assert "will reply here, usually within 2 hours." in text


def test_an_automatic_answer_says_where_it_came_from_and_what_to_do_if_it_does_not_help(client, db):
    inquiry = InquiryFactory(status="answered_auto", answer="Track it under Account > Orders.",
                             **{**INTERNALS, "escalation_reasons": []})
    _, text = customer_text(client, inquiry)
    assert "Answered" in text and "Track it under Account &gt; Orders." in text
    assert ("This answer was picked from our help articles. If it doesn't solve your problem, write below and a "
            "person will take over.") in text.replace("&#x27;", "'")
    assert "will reply here" not in text
    assert_no_internals(text)


def test_an_assigned_ticket_says_an_agent_is_working_on_it(client, db):
    inquiry = InquiryFactory(status="assigned", **INTERNALS)
    TicketMessageFactory(inquiry=inquiry, body="Looking into it now.")
    _, text = customer_text(client, inquiry)
    assert "An agent is on it" in text and "An agent is working on your ticket." in text
    assert "Looking into it now." in text
    assert "will reply here, usually" not in text
    assert_no_internals(text)


def test_a_resolved_ticket_says_so(client, db):
    inquiry = InquiryFactory(status="resolved", **INTERNALS)
    _, text = customer_text(client, inquiry)
    assert "Resolved" in text and "This ticket is resolved. Write below if you need more help." in text
    assert_no_internals(text)
