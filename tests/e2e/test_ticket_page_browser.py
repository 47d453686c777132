"""The customer's ticket page in a browser: what happens next in plain words, never model internals."""

import re

import pytest
from playwright.sync_api import expect

from mlcore.starter import CATEGORIES
from supportdesk.models import Inquiry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON_CODES = ["low_confidence", "negative_sentiment", "high_risk", "ambiguous", "repeat_contact",
                "model_unavailable", "no_answer", "follow_up"]
INQUIRIES = {
    "escalated": ("I want my money back for order 5531, please refund me",
                  r"A member of our support team will reply here, usually within (an hour|\d+ hours|a day|\d+ days)\."),
    "answered": ("How do I subscribe to your newsletter?",
                 r"This answer was picked from our help articles\. If it doesn't solve your problem, write below "
                 r"and a person will take over\."),
}


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("state", ["escalated", "answered"])
def test_the_ticket_page_says_what_happens_next_and_no_model_internals(asgi_server, active_model, page, dialogs,
                                                                      state, width):
    text, next_step = INQUIRIES[state]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(asgi_server + "/")
    page.fill("textarea[name=text]", text)
    page.fill("input[name=email]", "ada@example.com")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/t/[\w-]{32,}/$"))
    inquiry = Inquiry.objects.get()
    assert inquiry.status == ("escalated" if state == "escalated" else "answered_auto"), inquiry.escalation_reasons
    body = page.locator("#ticket-body")
    expect(body).to_have_attribute("data-live-state", "open")  # connected, and refetched the live part once
    expect(body).to_contain_text(re.compile(next_step))
    expect(page.locator(".status")).to_have_text("Waiting for our team" if state == "escalated" else "Answered")

    # Everything the customer can read, less what they wrote themselves.
    visible = page.locator("body").inner_text().replace(page.locator(".text").inner_text(), "")
    assert re.search(next_step, visible)
    assert f"{inquiry.confidence:.2f}" not in visible and not re.search(r"\b0\.\d+|\d+(\.\d+)? ?%", visible)
    for code in [*(c for c in CATEGORIES if "_" in c), *REASON_CODES, inquiry.status]:
        assert code not in visible, code
    # The FAQ answer is the FAQ's own words (it may well say "newsletter" or "email"); everything else is ours.
    answer = page.locator(".answer > p").first.inner_text() if state == "answered" else ""
    ours = visible.replace(answer, "")
    assert inquiry.category not in ours
    assert inquiry.model_version == "v1"
    assert not re.search(r"\bv\d+\b", visible) and "model v" not in visible.lower()
    assert "email" not in ours.lower()  # replies are not sent by email (yet): nothing may promise it

    # Nothing spills sideways, on a laptop or a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert dialogs == []
