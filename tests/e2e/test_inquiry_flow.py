import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>'


def test_customer_submits_and_lands_on_the_ticket_page(live_server, active_model, page, dialogs):
    page.goto(live_server.url + "/")
    page.fill("textarea[name=text]", "My package never arrived, order 12345 " + XSS)
    page.fill("input[name=name]", XSS)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/t/[\w-]{32,}/$"))
    expect(page.locator("section.answer, section.escalated")).to_have_count(1)
    expect(page.locator(".category")).to_have_count(0)  # the predicted category ("delivery") is for agents only
    expect(page.locator("dl.meta")).not_to_contain_text("delivery")
    expect(page.locator(".status")).to_have_text(re.compile(r"^(Answered|Waiting for our team)$"))
    expect(page.locator(".text")).to_contain_text("<script>alert(2)</script>")
    assert dialogs == []


def test_empty_submission_shows_the_error_and_keeps_the_page(live_server, db, page):
    page.goto(live_server.url + "/")
    page.fill("input[name=email]", "not-an-email")
    page.click("button[type=submit]")
    expect(page.locator(".error").first).to_be_visible()
    expect(page.locator("input[name=email]")).to_have_value("not-an-email")


def test_ticket_page_sends_its_implicit_signals_when_left(live_server, db, page):
    import time

    from feedback.models import ImplicitSignal
    from tests.factories import InquiryFactory

    inquiry = InquiryFactory(status="answered_auto", answer="Track it under Account > Orders.\n" * 40)
    page.goto(f"{live_server.url}/t/{inquiry.token}/")
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(1200)
    page.goto("about:blank")  # pagehide: the beacon goes out
    deadline = time.monotonic() + 10
    while not ImplicitSignal.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    signal = ImplicitSignal.objects.get()
    assert signal.inquiry_id == inquiry.pk and signal.dwell_seconds >= 1.0 and 0 < signal.scroll_depth <= 1
    assert signal.score > 0
