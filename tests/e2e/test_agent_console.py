"""The agent console in a real browser: views, search, keyset pages, a live update arriving in a
filtered view, SLA markers, and the phone layout (no sideways scrolling at 390 px)."""

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from supportdesk.models import Inquiry
from supportdesk.realtime import ticket_changed_push
from tests.factories import InquiryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots"  # /tmp/shots/console-*.png, for looking at by eye
LONG = ("My parcel was supposed to arrive last Tuesday and the tracking page has said 'out for delivery' for "
        "six days now; I have called twice and nobody could tell me where it is. ") * 3


def tickets() -> dict:
    now = timezone.now()
    made = {}
    for i in range(55):
        t = InquiryFactory(status="escalated", category="delivery" if i % 2 else "refund", text=f"Question {i}. {LONG}",
                           upset=(i % 10) / 10, escalation_reasons=["low_confidence"])
        Inquiry.objects.filter(pk=t.pk).update(created_at=now - timedelta(minutes=200 - i),
                                               response_due_at=now + timedelta(minutes=30 + i))
    late = InquiryFactory(status="escalated", category="refund", text="I was charged twice for one invoice",
                          name="Ada Lovelace", email="ada@console.test", upset=0.2,
                          escalation_reasons=["high_risk", "negative_sentiment"])
    Inquiry.objects.filter(pk=late.pk).update(response_due_at=now - timedelta(minutes=65))
    made["late"] = late
    return made


WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth)
              .slice(0, 5).map(e => e.tagName + '.' + e.className + ' '
                               + Math.round(e.getBoundingClientRect().right))"""


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_views_search_pages_and_live_updates(asgi_server, browser, login):
    UserFactory(username="bob", roles=["agent"])
    made = tickets()
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    login(page, asgi_server, "bob")
    page.goto(asgi_server + "/agent/")
    queue = page.locator("#queue")
    expect(queue).to_have_attribute("data-live-state", "open")
    expect(page.locator(".queue-tab.current")).to_contain_text("All open 56")
    rows = page.locator("tr.queue-row")
    expect(rows).to_have_count(50)
    first = rows.first  # the overdue ticket is on top, marked in words, not colour only
    expect(first).to_have_attribute("data-ticket", str(made["late"].pk))
    expect(first).to_have_class(re.compile(r"sla-breached"))
    expect(first).to_contain_text("⚠ Overdue")
    expect(first).to_contain_text("overdue by 1 h 5 min")
    expect(rows.nth(1).locator("td.sla")).to_contain_text("due in")
    snippet = rows.nth(1).locator(".snippet a")
    assert snippet.evaluate("el => el.getBoundingClientRect().height") < 3 * 24  # clamped to two lines
    assert no_sideways_scroll(page), page.evaluate(WIDEST)
    page.screenshot(path=str(SHOTS / "console-1366.png"), full_page=True)

    page.click("a[rel=next]")
    expect(rows).to_have_count(6)
    expect(page.locator("a[rel=first]")).to_be_visible()
    page.click("a[rel=first]")
    expect(rows).to_have_count(50)

    page.select_option("#queue-category", "refund")
    page.click(".queue-filters button[type=submit]")
    expect(page.locator(".queue-tab.current")).to_contain_text("All open 29")
    expect(rows).to_have_count(29)
    expect(queue).to_have_attribute("data-live-state", "open")
    assert "category=refund" in queue.get_attribute("data-live-refresh")

    # A new escalation in this category appears by itself; one in another category does not.
    fresh = InquiryFactory(status="escalated", category="refund", text="Brand new refund question", upset=0.99)
    other = InquiryFactory(status="escalated", category="delivery", text="Brand new delivery question", upset=0.99)
    ticket_changed_push(inquiry_id=fresh.pk)
    expect(page.locator(f"tr[data-ticket='{fresh.pk}']")).to_be_visible(timeout=10000)
    expect(page.locator(".queue-tab.current")).to_contain_text("All open 30")
    expect(page.locator(f"tr[data-ticket='{other.pk}']")).to_have_count(0)

    page.fill("#queue-q", "ada@console.test")
    page.click(".queue-filters button[type=submit]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("charged twice")
    page.goto(asgi_server + "/agent/?view=unassigned&q=" + str(made["late"].pk))
    expect(rows.first).to_have_attribute("data-ticket", str(made["late"].pk))
    expect(page.locator(".queue-tab.current")).to_contain_text("Unassigned")


def test_the_console_fits_a_phone(asgi_server, browser, login):
    UserFactory(username="bob", roles=["agent"])
    made = tickets()
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    login(page, asgi_server, "bob")
    page.goto(asgi_server + "/agent/")
    # The socket's first open resyncs the queue, replacing its rows: measure after that.
    expect(page.locator("#queue")).to_have_attribute("data-live-state", "open")
    expect(page.locator("tr.queue-row")).to_have_count(50)
    assert no_sideways_scroll(page), page.evaluate(WIDEST)
    card = page.locator(f"tr[data-ticket='{made['late'].pk}']")
    expect(card).to_contain_text("⚠ Overdue")
    left, right = card.evaluate("el => [el.getBoundingClientRect().left, el.getBoundingClientRect().right]")
    assert left >= 0 and right <= 390
    page.screenshot(path=str(SHOTS / "console-390.png"), full_page=False)
    page.goto(asgi_server + f"/agent/tickets/{made['late'].pk}/")
    assert no_sideways_scroll(page)


def test_the_console_keyboard_moves_opens_and_searches(asgi_server, browser, login):
    made = tickets()
    UserFactory(username="bob", roles=["agent"])
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    login(page, asgi_server, "bob")
    page.goto(asgi_server + "/agent/")
    first = page.locator("tr.queue-row").first
    expect(first).to_have_attribute("data-ticket", str(made["late"].pk))  # the overdue ticket leads
    page.keyboard.press("j")
    expect(first).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.queue-row.selected")).to_have_attribute("data-ticket", str(made["late"].pk))
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    for label in ("Next ticket", "Previous ticket", "Open the selected ticket", "Search"):
        expect(dialog).to_contain_text(label)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("/")
    expect(page.locator("#queue-q")).to_be_focused()
    page.keyboard.type("j")  # typed into the box, not a move
    expect(page.locator("#queue-q")).to_have_value("j")
    page.locator("#queue-q").fill("")
    page.locator("#queue-q").blur()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/agent/tickets/{made['late'].pk}/$"))
    page.close()
