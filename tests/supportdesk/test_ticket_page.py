"""The customer's ticket page: its private headers on every response, and panels other apps add."""

import re

import pytest

from supportdesk import ticket_page
from supportdesk.ticket_page import ticket_page_context, ticket_panel_register
from tests.factories import InquiryFactory, TicketMessageFactory


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


# the follow-up box: counted, never cut, refused with a clear message over the limit


def test_the_follow_up_box_shows_its_counter_and_has_no_maxlength(client, db):
    html = client.get(f"/t/{InquiryFactory(status='escalated').token}/").content.decode()
    assert 'data-maxlength="5000"' in html and " maxlength=" not in html
    assert '<p class="char-count" id="id_body-count">0 / 5000</p>' in html
    assert "js/charcount.js" in html


def test_a_follow_up_over_the_limit_is_a_400_that_keeps_every_character(client, db):
    inquiry = InquiryFactory(status="escalated")
    text = "Here is the whole log. " + "x" * 5000
    r = client.post(f"/t/{inquiry.token}/follow-up/", {"body": text})
    assert r.status_code == 400
    html = r.content.decode()
    assert (f"This message is {len(text)} characters long; the limit is 5000. Please shorten it and send it again "
            "(nothing was sent).") in html
    assert text + "</textarea>" in html and f"{len(text)} / 5000" in html  # nothing cut, the counter says why
    assert not inquiry.messages.exists()


def test_a_follow_up_of_exactly_the_limit_with_line_breaks_is_taken(client, db):
    inquiry = InquiryFactory(status="escalated")
    body = "\r\n".join(["y" * 99] * 50)  # 5,000 as the counter counts it (5,049 as the browser sends it)
    assert client.post(f"/t/{inquiry.token}/follow-up/", {"body": body}).status_code == 302
    assert inquiry.messages.get().body == body.replace("\r\n", "\n")


# the feedback prompt: part of the live region, one tap per question


def test_the_feedback_prompt_comes_with_the_live_fragment_once_resolved(client, db):
    inquiry = InquiryFactory(status="resolved")
    TicketMessageFactory(inquiry=inquiry, body="Sorted: the new card is on its way.")
    html = client.get(f"/t/{inquiry.token}/body/").content.decode()
    form = html[html.index('<form method="post" action="/t/'):]
    assert 'id="feedback-form" data-live-keep' in form and "csrfmiddlewaretoken" in form
    assert "Tell us how we did" in form and "<select" not in form
    assert form.count('type="radio" name="helpful"') == 2 and form.count('type="radio" name="rating"') == 5
    assert form.count('type="radio" name="nps"') == 11
    for n in range(1, 6):
        assert f'<span class="visually-hidden">{n} star{"s" if n > 1 else ""}</span>' in form  # read out, not ★★★


def test_a_refused_feedback_form_comes_back_with_its_taps_chosen(client, db):
    inquiry = InquiryFactory(status="answered_auto", answer="Here you go.")
    r = client.post(f"/t/{inquiry.token}/feedback/", {"helpful": "no", "nps": "12", "comment": "meh"})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'name="helpful" value="no" id="id_helpful_1" checked' in html
    assert "meh</textarea>" in html


@pytest.mark.parametrize("status", ["received", "answered_auto", "escalated", "assigned", "resolved"])
def test_no_status_shows_model_internals(client, db, status):
    inquiry = InquiryFactory(status=status, category="shipping_address", confidence=0.4321,
                             escalation_reasons=["low_confidence", "high_risk"], model_version="v9",
                             answer="Here you go." if status == "answered_auto" else "")
    if status in ("assigned", "resolved"):
        TicketMessageFactory(inquiry=inquiry, body="On it.")
    for path in (f"/t/{inquiry.token}/", f"/t/{inquiry.token}/body/"):
        html = client.get(path).content.decode()
        text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
        for leak in ("shipping_address", "0.43", "low_confidence", "high_risk", "v9", status + " "):
            assert leak not in text, (path, leak)
