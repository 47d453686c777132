"""Annotators and a reviewer in real browsers: keyboard labeling, live counts, XSS inert."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from labeling.models import Annotation, LabelingItem
from labeling.realtime import queue_changed_push
from tests.e2e.test_live_support import PAYLOADS, XSS, watch_dialogs
from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_keyboard_labeling_live_count_review_and_xss(asgi_server, browser, login):
    UserFactory(username="annie", roles=["annotator"])
    UserFactory(username="arthur", roles=["annotator"])
    UserFactory(username="rita", roles=["reviewer"])
    batch = LabelingBatchFactory()
    LabelingItemFactory(batch=batch, position=0, text="Where is my parcel? " + XSS)
    dialogs: list = []
    annie, arthur, rita = (browser.new_context().new_page() for _ in range(3))
    for page in (annie, arthur, rita):
        watch_dialogs(page, dialogs)

    login(annie, asgi_server, "annie")
    annie.goto(asgi_server + "/labeling/")
    counts = annie.locator("#counts")
    expect(counts).to_have_attribute("data-live-state", "open")
    expect(counts).to_contain_text("1 item waiting")
    annie.keyboard.press("n")
    expect(annie.locator(".item-text")).to_contain_text(PAYLOADS[0])

    # A batch selected meanwhile shows up in the count without a reload.
    LabelingItemFactory(batch=LabelingBatchFactory(), position=0, text="second")
    with transaction.atomic():
        queue_changed_push()
    expect(counts).to_contain_text("2 items waiting", timeout=10000)

    first_label = annie.locator("[data-key='1']").get_attribute("value")
    annie.keyboard.press("1")
    expect(annie.locator(".item-text")).to_contain_text("second")
    assert Annotation.objects.get(annotator__username="annie", item__position=0, item__batch=batch).label == first_label
    annie.keyboard.press("z")  # undo: back to the first item
    expect(annie.locator(".item-text")).to_contain_text("Where is my parcel?")
    annie.keyboard.press("2")
    expect(annie.locator(".item-text")).to_contain_text("second")
    second_label = Annotation.objects.get(annotator__username="annie", item__batch=batch).label
    assert second_label != first_label

    login(arthur, asgi_server, "arthur")
    arthur.goto(asgi_server + "/labeling/")
    arthur.keyboard.press("n")
    expect(arthur.locator(".item-text")).to_contain_text("Where is my parcel?")
    arthur.keyboard.press("3")  # disagrees with annie → review
    expect(arthur.locator(".item-text")).to_contain_text("second")
    item = LabelingItem.objects.get(batch=batch)
    assert item.status == "review"

    login(rita, asgi_server, "rita")
    rita.goto(asgi_server + f"/labeling/review/{item.pk}/")
    expect(rita.locator(".item-text")).to_contain_text(PAYLOADS[1])
    expect(rita.locator(".labels")).to_contain_text("annie")
    rita.fill("textarea[name=note]", "checked " + XSS)
    rita.locator("textarea[name=note]").blur()
    rita.keyboard.press("4")
    expect(rita).to_have_url(asgi_server + "/labeling/review/")
    item.refresh_from_db()
    assert item.status == "gold" and item.decisions.get().note.startswith("checked")
    rita.goto(asgi_server + f"/labeling/review/{item.pk}/")
    expect(rita.locator(".events")).to_contain_text(PAYLOADS[2])
    assert dialogs == []
