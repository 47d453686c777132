"""A hint sent while a page's live socket is down is not lost to the customer: live.js refetches
its region when the socket opens again, well before the 30 s poll.

The drop is made by Playwright standing between the page and the real server: it closes the
server side of the page's socket; the page's next socket goes through to the server as the first did."""

import re
import time

import pytest
from playwright.sync_api import expect

from supportdesk.services import ticket_claim, ticket_reply
from tests.factories import InquiryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_hint_lost_while_the_socket_was_down_shows_after_the_reconnect(asgi_server, page, dialogs):
    agent = UserFactory(username="bob", roles=["agent"])
    inquiry = InquiryFactory(status="escalated")
    ticket_claim(inquiry_id=inquiry.pk, agent=agent)
    sockets: list[dict] = []

    def through(ws) -> None:
        socket = {"route": ws, "frames": []}
        socket["server"] = server = ws.connect_to_server()
        server.on_message(lambda message: (socket["frames"].append(message), ws.send(message)))
        sockets.append(socket)

    page.route_web_socket(re.compile(r"/ws/tickets/"), through)
    page.goto(f"{asgi_server}/t/{inquiry.token}/")
    body = page.locator("#ticket-body")
    expect(body).to_have_attribute("data-live-state", "open")
    loaded = time.monotonic()

    sockets[0]["server"].close()  # the server side goes away; the page sees its socket close
    expect(body).to_have_attribute("data-live-state", "closed")
    ticket_reply(inquiry_id=inquiry.pk, agent=agent, body="Your refund is on its way.")  # its hint reaches nobody

    expect(body).to_have_attribute("data-live-state", "open", timeout=10_000)  # reconnected (backoff 0.5 s)
    expect(page.locator(".message-agent .body")).to_contain_text("Your refund is on its way.", timeout=5_000)
    assert time.monotonic() - loaded < 25, "too slow to tell a resync on reconnect from the 30 s poll"
    assert len(sockets) == 2 and sockets[1]["frames"] == [], "the reply came over HTTP, not as a hint"
    assert dialogs == []
