"""The agent's ticket page in a real browser: shortcuts and their ? dialog, a saved reply inserted,
edited and sent, a suggested reply inserted, an internal note, and the phone layout at 390 px."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from supportdesk.models import Inquiry, SavedReply
from supportdesk.selectors import faq_suggestions
from supportdesk.services import inquiry_submit
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots"
PARCEL = "My parcel never arrived and the tracking page has not changed for a week. Where is it?"
SAVED = "Thanks for your patience. I have asked the courier to trace your parcel today."
NOTE = "Courier ticket ZX-99 opened; check again on Friday."
WIDEST = """[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth)
          .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def escalated_ticket() -> Inquiry:
    inquiry = inquiry_submit(text=PARCEL, name="Ada", email="ada@example.com")
    Inquiry.objects.filter(pk=inquiry.pk).update(status="escalated", assigned_to=None)
    inquiry.refresh_from_db()
    return inquiry


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_shortcuts_saved_and_suggested_replies_and_notes(asgi_server, browser, login, active_model, dialogs):
    bob = UserFactory(username="bob", roles=["agent"])
    SavedReply.objects.create(title="Courier trace", body=SAVED, created_by=bob)
    ticket = escalated_ticket()
    suggestion = faq_suggestions(inquiry=ticket)[0]
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    login(page, asgi_server, "bob")
    page.goto(f"{asgi_server}/agent/tickets/{ticket.pk}/")
    expect(page.locator("#agent-ticket")).to_have_attribute("data-live-state", "open")

    # ? lists what this page allows now: claim, and notes; not reply or resolve yet.
    page.keyboard.press("?")
    dialog = page.locator("#shortcuts-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Claim this ticket")
    expect(dialog).to_contain_text("Write an internal note")
    expect(dialog).not_to_contain_text("Resolve")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("c")  # claims
    expect(page.locator("#send-reply")).to_be_visible()
    expect(page.locator("#resolve")).to_be_disabled()  # no reply yet: e is not offered
    box = page.locator("#id_body")
    page.keyboard.press("r")
    expect(box).to_be_focused()
    assert box.input_value() == ""  # the r went to the shortcut, not into the box
    page.keyboard.type("Hi Ada,")
    page.locator(f"button[data-insert-from=saved-{SavedReply.objects.get().pk}]").click()
    expect(box).to_have_value(f"Hi Ada,\n\n{SAVED}")
    expect(box).to_be_focused()
    page.keyboard.type(" Sorry for the wait!")  # the cursor is after the inserted text: edit on
    expect(box).to_have_value(f"Hi Ada,\n\n{SAVED} Sorry for the wait!")
    page.screenshot(path=str(SHOTS / "agent-ticket-1366.png"), full_page=True)
    page.click("#send-reply")
    expect(page.locator(".conversation")).to_contain_text(f"{SAVED} Sorry for the wait!")

    # A suggested FAQ answer goes into the (now empty) box in one click.
    page.locator(f"button[data-insert-from=faq-{suggestion.pk}]").click()
    expect(box).to_have_value(suggestion.answer.strip())
    box.fill("")

    page.locator("h1").click()  # out of the box: keys are shortcuts again
    page.keyboard.press("n")
    expect(page.locator("#id_note-body")).to_be_focused()
    page.keyboard.type(NOTE)
    page.click("#add-note")
    note = page.locator(".message-note")
    expect(note).to_contain_text(NOTE)
    expect(note).to_contain_text("Internal note")

    # Keys typed in a field are text, never shortcuts; outside a field e resolves.
    box.click()
    page.keyboard.type("e?c")
    expect(box).to_have_value("e?c")
    expect(dialog).to_be_hidden()
    box.fill("")
    page.locator("h1").click()
    page.keyboard.press("e")
    expect(page.locator(".status")).to_contain_text("Resolved")
    assert dialogs == []

    # The customer's page shows the reply and never the note.
    customer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    customer.goto(f"{asgi_server}/t/{ticket.token}/")
    expect(customer.locator(".conversation")).to_contain_text("Sorry for the wait!")
    assert NOTE not in customer.content()


def test_the_ticket_page_on_a_phone(asgi_server, browser, login, active_model):
    bob = UserFactory(username="bob", roles=["agent"])
    SavedReply.objects.create(title="A long saved reply title that must wrap on a narrow screen " * 2,
                              body="Unbrokenwordthatgoesonandonandonandonandonandonandonandonandonandon " * 6,
                              created_by=bob)
    ticket = escalated_ticket()
    Inquiry.objects.filter(pk=ticket.pk).update(status="assigned", assigned_to=bob)
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    login(page, asgi_server, "bob")
    page.goto(f"{asgi_server}/agent/tickets/{ticket.pk}/")
    expect(page.locator("#send-reply")).to_be_visible()
    expect(page.locator("#suggested-replies li")).to_have_count(3)
    assert no_sideways_scroll(page), page.evaluate(WIDEST)
    page.screenshot(path=str(SHOTS / "agent-ticket-390.png"), full_page=True)
    page.locator("[data-shortcuts-help]").click()  # a visible way to the list, for touch screens
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Reply: focus the reply box")
    expect(page.locator("#shortcuts-dialog")).to_contain_text("Saved replies")
    assert no_sideways_scroll(page), page.evaluate(WIDEST)
    page.screenshot(path=str(SHOTS / "agent-ticket-390-shortcuts.png"))
    page.goto(f"{asgi_server}/agent/saved-replies/")
    assert no_sideways_scroll(page), page.evaluate(WIDEST)
    page.screenshot(path=str(SHOTS / "agent-saved-replies-390.png"), full_page=True)


def test_two_agents_see_each_other_viewing_and_typing(asgi_server, browser, login, active_model):
    bob = UserFactory(username="bob", roles=["agent"])
    UserFactory(username="carol", roles=["agent"])
    ticket = escalated_ticket()
    Inquiry.objects.filter(pk=ticket.pk).update(status="assigned", assigned_to=bob)
    url = f"{asgi_server}/agent/tickets/{ticket.pk}/"
    pages = {}
    for name in ("bob", "carol"):
        pages[name] = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        login(pages[name], asgi_server, name)
        pages[name].goto(url)
        expect(pages[name].locator("#presence")).to_have_attribute("data-presence-state", "open")
    bob_sees, carol_sees = pages["bob"].locator("#presence"), pages["carol"].locator("#presence")
    expect(bob_sees).to_have_text("Also here: carol is viewing")
    expect(carol_sees).to_have_text("Also here: bob is viewing")

    pages["bob"].locator("#id_body").type("Hello Ada")
    expect(carol_sees).to_have_text("Also here: bob is typing…")
    pages["carol"].screenshot(path=str(SHOTS / "agent-ticket-presence-1366.png"))
    expect(carol_sees).to_have_text("Also here: bob is viewing", timeout=10000)  # quiet for a few seconds

    pages["carol"].locator("#id_note-body").type("Bob has it")  # notes too: anyone may be writing one
    expect(bob_sees).to_have_text("Also here: carol is typing…")
    pages["carol"].close()
    expect(bob_sees).to_be_hidden()
