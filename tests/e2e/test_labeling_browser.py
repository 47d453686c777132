"""Annotators and a reviewer in real browsers: keyboard labeling, live counts, XSS inert; the workspace's
shortcut overlay, guidelines, special answers, comments, history, and axe on the labeling pages."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import transaction
from playwright.sync_api import expect

from labeling.answers import NONE_OF_THESE
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.realtime import queue_changed_push
from labeling.services import annotation_submit, annotation_take
from mlcore.categories import category_guide_update, category_guides_clear
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

    first_label = annie.locator("[data-shortcut='1']").get_attribute("value")
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


# The annotator's workspace in a browser: overlay, guidelines, answers, comments, history, axe.

SHOTS = os.environ.get("SUPPORTLOOP_SHOTS_DIR", "")  # set it to keep screenshots at 1366 and 390 px


def shoot(page, name: str) -> None:
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{SHOTS}/workspace-{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)


def axe_clean(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_workspace_overlay_guidelines_answers_comment_history_and_review(live_server, browser, login):
    category_guides_clear()
    category_guide_update(name="delivery", display_name="Parcel delivery",
                          description="Where a parcel is, or when it arrives.",
                          examples="where is my parcel\nthe courier never came")
    UserFactory(username="annie", roles=["annotator"])
    UserFactory(username="arthur", roles=["annotator"])
    UserFactory(username="rita", roles=["reviewer"])
    batch = LabelingBatchFactory()
    first = LabelingItemFactory(batch=batch, position=0, text="My parcel has not come and I was charged twice")
    LabelingItemFactory(batch=batch, position=1, text="How do I change my address?")
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    dialogs: list = []
    watch_dialogs(page, dialogs)
    login(page, live_server.url, "annie")
    page.goto(live_server.url + "/labeling/")
    page.keyboard.press("n")
    expect(page.locator(".item-text")).to_contain_text("charged twice")

    # "?" lists every key of the page.
    page.keyboard.press("?")
    overlay = page.locator("#shortcuts-dialog")
    expect(overlay).to_be_visible()
    for text in ("Parcel delivery", "None of these", "Skip this item", "Undo your last label",
                 "Suggest a new category", "Write a comment", "Your recent labels"):
        expect(overlay.locator(".shortcut-list")).to_contain_text(text)
    keys = overlay.locator(".shortcut-list kbd").all_inner_texts()
    assert {"1", "x", "s", "z", "a", "c", "h", "?"} <= set(keys)
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()

    # The guideline of the category under the pointer, beside the buttons.
    delivery = page.locator("button[value='delivery']")
    expect(delivery).to_contain_text("Parcel delivery")
    delivery.hover()
    guide = page.locator(".guide-panel .guide:visible")
    expect(guide).to_contain_text("Where a parcel is, or when it arrives.")
    expect(guide).to_contain_text("the courier never came")
    box, panel = delivery.bounding_box(), page.locator(".guide-panel").bounding_box()
    assert panel["x"] > box["x"] and abs(panel["y"] - box["y"]) < 200  # beside, not below
    axe_clean(page)
    shoot(page, "annotate")

    # A comment and a flag, without losing the item.
    page.keyboard.press("c")
    expect(page.locator("#comment-text")).to_be_focused()
    page.keyboard.type("Two questions in one " + XSS)
    page.check("#comment-flag")
    page.click("text=Save comment")
    expect(page.locator(".comments")).to_contain_text("Two questions in one")
    expect(page.locator(".item-text")).to_contain_text("charged twice")

    # "None of these" by keyboard.
    page.keyboard.press("x")
    expect(page.locator(".item-text")).to_contain_text("change my address")
    assert Annotation.objects.get(annotator__username="annie", item=first).label == NONE_OF_THESE

    # The history: change the answer while the item is not adjudicated.
    page.keyboard.press("h")
    expect(page).to_have_url(live_server.url + "/labeling/history/")
    row = page.locator(".history-row").filter(has_text="charged twice")
    expect(row).to_contain_text("None of these")
    row.locator("select").select_option("delivery")
    row.get_by_role("button", name="Change").click()
    expect(page.locator(".flash")).to_contain_text("Parcel delivery")
    assert Annotation.objects.get(annotator__username="annie", item=first).label == "delivery"
    axe_clean(page)
    shoot(page, "history")
    page.goto(live_server.url + "/labeling/")
    page.keyboard.press("a")
    expect(page.locator("#suggestion")).to_be_focused()
    page.keyboard.type("Address change")
    page.keyboard.press("Enter")
    expect(page.locator("text=Next item")).to_be_visible()

    # arthur disagrees on the first item: it goes to review, where rita sees annie's comment and flag.
    for text, answer in (("charged twice", "refund"), ("change my address", "delivery")):
        a = annotation_take(annotator=UserFactory(username="arthur"))
        assert text in a.item.text
        annotation_submit(annotation_id=a.pk, annotator=a.annotator, label=answer)
    first.refresh_from_db()
    assert first.status == "review"
    rita = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    watch_dialogs(rita, dialogs)
    login(rita, live_server.url, "rita")
    rita.goto(live_server.url + f"/labeling/review/{first.pk}/")
    comments = rita.locator(".comments")
    expect(comments).to_contain_text("annie")
    expect(comments).to_contain_text("Two questions in one")
    expect(comments).to_contain_text("Flagged")
    expect(rita.locator(".labels")).to_contain_text("Parcel delivery")
    expect(rita.locator(".batch-agreement")).to_contain_text("raw agreement")
    rita.keyboard.press("?")
    expect(rita.locator("#shortcuts-dialog .shortcut-list")).to_contain_text("Parcel delivery")
    rita.keyboard.press("Escape")
    rita.keyboard.press("c")
    rita.keyboard.type("Refund and delivery both")
    rita.click("text=Save comment")
    expect(comments).to_contain_text("Refund and delivery both")
    assert ItemComment.objects.filter(item=first).count() == 2
    axe_clean(rita)
    shoot(rita, "review-item")

    rita.goto(live_server.url + "/labeling/suggestions/")
    expect(rita.locator("table.suggestions")).to_contain_text("Address change")
    axe_clean(rita)
    ada = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    UserFactory(username="ada", is_staff=True, is_superuser=True)
    login(ada, live_server.url, "ada")
    ada.goto(live_server.url + "/labeling/suggestions/")
    expect(ada.locator("table.suggestions a[href*='name=address_change']")).to_be_visible()
    axe_clean(ada)
    shoot(ada, "suggestions")
    assert dialogs == []
