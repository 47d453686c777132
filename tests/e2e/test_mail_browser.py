"""A customer who lost her ticket's link gets it by email, opens it, and stops the mail; on a
desktop and on a phone (Debian's chromium). The live server runs in this process: the locmem
outbox and eager Celery tasks are the ones the pages use."""

import re
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.factories import InquiryFactory
from tests.supportdesk import mailtest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
celery_eager = mailtest.celery_eager
SHOTS = Path(tempfile.gettempdir()) / "shots"  # /tmp/shots/link-request-*.png, mail-mute*-*.png


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_a_lost_link_comes_by_email_and_the_mail_can_be_stopped(live_server, page, settings, celery_eager, width,
                                                                 dialogs):
    settings.SUPPORTLOOP_SITE_URL = live_server.url
    settings.SUPPORTLOOP_LINK_REQUESTS_PER_CLIENT_HOUR = settings.SUPPORTLOOP_LINK_REQUESTS_PER_ADDRESS_HOUR = 0
    SHOTS.mkdir(exist_ok=True)
    ticket = InquiryFactory(name="Ada", email="ada@example.com", status="escalated",
                            text="Where is my parcel? <script>alert(1)</script>")
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(live_server.url + "/")
    page.click("text=Get it again by email")
    expect(page.locator("h1")).to_have_text("Lost your ticket link?")
    page.screenshot(path=SHOTS / f"link-request-{width}.png", full_page=True)
    assert no_sideways_scroll(page)
    page.fill("input[name=email]", "ADA@example.com")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")
    page.screenshot(path=SHOTS / f"link-request-sent-{width}.png", full_page=True)
    assert no_sideways_scroll(page)

    (sent,) = mail.outbox
    link = re.search(r"^(http\S+/t/[\w-]+/)$", sent.body, re.M).group(1)
    assert link == f"{live_server.url}/t/{ticket.token}/"
    page.goto(link)
    expect(page.locator("body")).to_contain_text("Where is my parcel?")

    page.goto(f"{link}emails/stop/")
    expect(page.locator("h1")).to_have_text(f"Emails about ticket #{ticket.pk}")
    page.screenshot(path=SHOTS / f"mail-mute-{width}.png", full_page=True)
    assert no_sideways_scroll(page)
    ticket.refresh_from_db()
    assert not ticket.email_muted  # opening the mail's link only asks
    page.click("button:has-text('Stop emails about this ticket')")
    expect(page.locator(".card")).to_contain_text("We will not email you about this ticket any more")
    page.screenshot(path=SHOTS / f"mail-muted-{width}.png", full_page=True)
    ticket.refresh_from_db()
    assert ticket.email_muted and dialogs == []
