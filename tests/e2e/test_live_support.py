"""Customer and agent in two browsers, live over websockets, through the real ASGI app."""

import re

import pytest
from playwright.sync_api import expect

from supportdesk.models import Inquiry
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAYLOADS = [
    "<script>alert('s')</script>",
    "<img src=x onerror=alert('i')>",
    "<svg onload=alert('v')>",
    "</script><script>alert('e')</script>",
    "javascript:alert('j')",
    "{{7*7}}",
]
XSS = " ".join(PAYLOADS)


def watch_dialogs(page, seen: list) -> None:
    page.on("dialog", lambda d: (seen.append(d.message), d.dismiss()))


def test_escalation_reply_live_and_xss_inert_everywhere(asgi_server, active_model, browser, login):
    UserFactory(username="bob", roles=["agent"])
    UserFactory(username="root", is_staff=True, is_superuser=True, roles=["admin"])
    dialogs: list = []
    agent = browser.new_context().new_page()
    customer = browser.new_context().new_page()
    stranger = browser.new_context().new_page()
    for p in (agent, customer, stranger):
        watch_dialogs(p, dialogs)

    login(agent, asgi_server, "bob")
    agent.goto(asgi_server + "/agent/")
    expect(agent.locator("#queue")).to_have_attribute("data-live-state", "open")

    customer.goto(asgi_server + "/")
    customer.fill("textarea[name=text]", "I want a refund for order 5531, this is awful. " + XSS)
    customer.fill("input[name=name]", XSS)
    customer.click("button[type=submit]")
    expect(customer).to_have_url(re.compile(r"/t/[\w-]{32,}/$"))
    expect(customer.locator("section.escalated")).to_be_visible()
    expect(customer.locator(".text")).to_contain_text(PAYLOADS[0])
    expect(customer.locator("#ticket-body")).to_have_attribute("data-live-state", "open")
    inquiry = Inquiry.objects.get()

    row = agent.locator(f"tr[data-ticket='{inquiry.pk}']")
    expect(row).to_be_visible(timeout=10000)  # appeared without a reload
    expect(row).to_contain_text("refund")
    agent.click(f"tr[data-ticket='{inquiry.pk}'] a >> nth=0")
    agent.click("#claim")
    expect(agent.locator(".status")).to_contain_text("Assigned")
    agent.fill("textarea[name=body]", "Refund approved. " + XSS)
    agent.click("#send-reply")

    reply = customer.locator(".message-agent .body")
    expect(reply).to_contain_text("Refund approved.", timeout=10000)  # arrived without a reload
    expect(reply).to_contain_text(PAYLOADS[1])
    expect(customer.locator(".status")).to_have_text("An agent is on it")  # plain words, not the status code
    expect(customer.locator("section.escalated")).to_contain_text("An agent is working on your ticket.")

    customer.fill("textarea[name=body]", "Thanks! " + XSS)
    customer.click("form.follow-up button")
    expect(customer.locator(".message-customer .body")).to_contain_text("Thanks!")
    expect(agent.locator(".message-customer .body")).to_contain_text("Thanks!", timeout=10000)

    # Another customer's link to that ticket, and the agent pages, are refused to a stranger.
    assert stranger.goto(asgi_server + "/t/" + "x" * 32 + "/").status == 404
    stranger.goto(asgi_server + f"/agent/tickets/{inquiry.pk}/")
    expect(stranger).to_have_url(re.compile(r"/accounts/login/"))

    admin = browser.new_context().new_page()
    watch_dialogs(admin, dialogs)
    login(admin, asgi_server, "root")
    admin.goto(asgi_server + f"/admin/supportdesk/inquiry/{inquiry.pk}/change/")
    expect(admin.locator("body")).to_contain_text(PAYLOADS[0])
    admin.goto(asgi_server + "/admin/supportdesk/inquiry/")
    expect(admin.locator("#result_list")).to_be_visible()
    agent.goto(asgi_server + "/agent/")
    expect(agent.locator(f"tr[data-ticket='{inquiry.pk}']")).to_contain_text("<img src=x")
    assert dialogs == []
