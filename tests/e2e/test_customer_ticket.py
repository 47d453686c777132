"""The customer's side in a browser: one-tap feedback that appears live when an agent resolves the
ticket, character counters that explain a limit instead of cutting a paste, and a phone-sized page
that never scrolls sideways. Screenshots go to /tmp/shots/customer-*.png."""

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from feedback.models import ExplicitFeedback
from supportdesk.models import Inquiry
from supportdesk.realtime import ticket_changed_push
from supportdesk.services import ticket_claim, ticket_reply, ticket_resolve
from tests.factories import InquiryFactory, TicketMessageFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"  # for looking at the pages by eye
WIDTHS = [1366, 390]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"customer-{name}.png"), full_page=True)


def assert_no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", roles=["agent"])


@pytest.fixture
def adas_ticket(bob):
    """Ada's escalated ticket, claimed and answered by bob: not resolved yet."""
    inquiry = InquiryFactory(status="escalated", name="Ada", email="ada@example.com",
                             text="My card was charged twice for order 7781.")
    ticket_claim(inquiry_id=inquiry.pk, agent=bob)
    ticket_reply(inquiry_id=inquiry.pk, agent=bob, body="Sorry about that: the second charge is refunded.")
    return inquiry


@pytest.mark.parametrize("width", WIDTHS)
def test_the_feedback_prompt_appears_live_on_resolve_and_is_sent_in_taps(asgi_server, page, dialogs, bob,
                                                                         adas_ticket, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{asgi_server}/t/{adas_ticket.token}/")
    body = page.locator("#ticket-body")
    expect(body).to_have_attribute("data-live-state", "open")
    expect(page.locator(".status")).to_have_text("An agent is on it")
    expect(page.locator("#feedback-form")).to_have_count(0)  # not while the agent is still on it

    ticket_resolve(inquiry_id=adas_ticket.pk, agent=bob)
    form = page.locator("#feedback-form")
    expect(form).to_be_visible(timeout=10_000)  # came with the live refetch, no reload
    expect(form.locator("h2")).to_have_text("Tell us how we did")
    expect(page.locator(".status")).to_have_text("Resolved")
    expect(body).to_contain_text("This ticket is resolved. Write below if you need more help.")

    # Every control is a tap target of at least 40 px, and the 0-10 row fits the screen.
    sizes = form.locator("label.tap").evaluate_all(
        "ls => ls.map(l => { const r = l.getBoundingClientRect(); return [r.width, r.height, r.right]; })")
    assert len(sizes) == 2 + 5 + 11
    assert all(w >= 40 and h >= 40 and right <= width for w, h, right in sizes), sizes
    assert_no_sideways_scroll(page, width)

    # A choice and a half-typed comment survive a refetch that changes the region.
    page.click("label[for=id_rating_3]")
    page.click("#id_comment")
    page.keyboard.type("The refund came quickly")
    TicketMessageFactory(inquiry=adas_ticket, body="PS: the refund shows within 3 days.")
    ticket_changed_push(inquiry_id=adas_ticket.pk)
    expect(body).to_contain_text("PS: the refund shows within 3 days.", timeout=10_000)
    expect(page.locator("#id_comment")).to_have_value("The refund came quickly")
    expect(page.locator("#id_comment")).to_be_focused()
    expect(page.locator("#id_rating_3")).to_be_checked()
    page.keyboard.type(", thanks!")
    expect(page.locator("#id_comment-count")).to_have_text("32 / 2000")

    # One tap each; the 0-10 row also answers the arrow keys, as radio buttons do.
    page.click("label[for=id_helpful_0]")
    page.click("label[for=id_nps_8]")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#id_nps_9")).to_be_checked()
    shot(page, f"feedback-{width}")
    page.click("#feedback-form button[type=submit]")

    expect(page).to_have_url(re.compile(rf"/t/{adas_ticket.token}/$"))
    expect(page.locator(".flash")).to_contain_text("Thank you for your feedback.")
    expect(page.locator(".thanks")).to_have_text("We have your feedback. It helps us answer better.")
    fb = ExplicitFeedback.objects.get(inquiry=adas_ticket)
    assert (fb.helpful, fb.rating, fb.nps, fb.comment) == (True, 4, 9, "The refund came quickly, thanks!")
    shot(page, f"ticket-thanks-{width}")
    assert_no_sideways_scroll(page, width)
    assert dialogs == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_inquiry_form_counts_and_stops_a_paste_over_the_limit(asgi_server, page, dialogs, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(asgi_server + "/")
    text = page.locator("textarea[name=text]")
    count, over = page.locator("#id_text-count"), page.locator("#id_text-over")
    expect(count).to_have_text("0 / 5000")
    shot(page, f"form-{width}")

    page.fill("textarea[name=text]", "Here is my whole order log: " + "line of log. " * 400)  # 5,228, as pasted
    assert len(text.input_value()) == 5228  # nothing cut
    expect(count).to_have_text("5228 / 5000")
    expect(over).to_have_text(re.compile(r"^This is 228 characters over the limit of 5000\. Please shorten it"))
    expect(text).to_have_attribute("aria-invalid", "true")
    page.click("button[type=submit]")
    page.wait_for_timeout(300)
    expect(page).to_have_url(asgi_server + "/")  # not sent
    expect(text).to_be_focused()
    assert not Inquiry.objects.exists()
    shot(page, f"form-over-{width}")
    assert_no_sideways_scroll(page, width)

    page.fill("textarea[name=text]", "A" * 4999 + "\n")  # a line break counts once, as the server counts it
    expect(count).to_have_text("5000 / 5000")
    expect(over).to_be_hidden()
    page.fill("textarea[name=text]", "My parcel never came, order 12345.")
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/t/[\w-]{32,}/$"))
    expect(page.locator("#id_body-count")).to_have_text("0 / 5000")  # the follow-up box counts too
    page.fill("textarea[name=body]", "é" * 5001)
    expect(page.locator("#id_body-over")).to_contain_text("This is 1 character over the limit of 5000.")
    page.click("form.follow-up button[type=submit]")
    page.wait_for_timeout(300)
    assert not Inquiry.objects.get().messages.exists()
    shot(page, f"ticket-{width}")
    assert_no_sideways_scroll(page, width)
    assert dialogs == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_automatic_answer_asks_whether_it_helped_on_a_phone_too(asgi_server, page, dialogs, width):
    inquiry = InquiryFactory(status="answered_auto", answer="Track it under Account > Orders > Track parcel.",
                             text="Where is my parcel? Order 12345.")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{asgi_server}/t/{inquiry.token}/")
    expect(page.locator("#ticket-body")).to_have_attribute("data-live-state", "open")
    expect(page.locator("#feedback-form h2")).to_have_text("Was this helpful?")
    page.click("label[for=id_helpful_1]")
    expect(page.locator("#id_helpful_1")).to_be_checked()
    shot(page, f"answered-{width}")
    assert_no_sideways_scroll(page, width)
    page.click("#feedback-form button[type=submit]")
    expect(page.locator(".thanks")).to_be_visible()
    assert ExplicitFeedback.objects.get(inquiry=inquiry).helpful is False
    assert dialogs == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_missing_ticket_is_a_styled_page_with_a_way_back(asgi_server, page, db, width):
    page.set_viewport_size({"width": width, "height": 700})
    assert page.goto(f"{asgi_server}/t/{'x' * 32}/").status == 404
    expect(page.locator("h1")).to_have_text("We can't find that page")
    shot(page, f"404-{width}")
    assert_no_sideways_scroll(page, width)
    page.click("text=Submit a new inquiry")
    expect(page.locator("textarea[name=text]")).to_be_visible()
