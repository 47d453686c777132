"""A reviewer reads the review list (each item's labels, why it is there, its comments) and the statistics
(raw agreement beside κ, and why κ is undefined); axe finds nothing on either page, wide or narrow."""

import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from labeling.answers import NEW_CATEGORY, NONE_OF_THESE
from labeling.models import Annotation, ItemComment, LabelingItem
from labeling.services.review import item_labels_complete
from mlcore.categories import category_guide_update
from tests.factories import LabelingBatchFactory, LabelingItemFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(tempfile.gettempdir()) / "shots"  # agreement-*.png, for looking at by eye
XSS = '<script>alert("x")</script>'


def answer(item, person, label: str, suggestion: str = "") -> None:
    now = item.created_at
    Annotation.objects.create(item=item, annotator=person, label=label, suggestion=suggestion, reserved_at=now,
                              expires_at=now, submitted_at=now, seconds_spent=4.0)
    LabelingItem.objects.filter(pk=item.pk).update(slots_taken=item.annotations.count())
    item_labels_complete(item_id=item.pk)


@pytest.fixture
def labeled(db):
    annie = UserFactory(username="annie", roles=["annotator"])
    arthur = UserFactory(username="arthur", roles=["annotator"])
    UserFactory(username="rita", roles=["reviewer"])
    category_guide_update(name="card_arrival", display_name="Card not arrived")
    # A batch with a κ in the middle band: its disagreements and special answers are in review.
    mixed = LabelingBatchFactory(annotators_per_item=2)
    plan = [("card_arrival", "refund"), (NONE_OF_THESE, NONE_OF_THESE), ("refund", NEW_CATEGORY),
            *((c, c) for c in ("card_arrival", "refund", "delivery", "order", "invoice", "account"))]
    items = [LabelingItemFactory(batch=mixed, position=i, text=f"My card has not come yet, week {i} {XSS}")
             for i in range(len(plan))]
    for item, (x, y) in zip(items, plan, strict=True):
        answer(item, annie, x)
        answer(item, arthur, y, f"gift cards {XSS}" if y == NEW_CATEGORY else "")
    ItemComment.objects.create(item=items[0], author=annie, text="card or refund?", flagged=True)
    # A batch where everyone gave the same label: κ undefined, full agreement.
    same = LabelingBatchFactory(annotators_per_item=2)
    for item in [LabelingItemFactory(batch=same, position=i, text=f"refund please {i}") for i in range(3)]:
        answer(item, annie, "refund")
        answer(item, arthur, "refund")
    same.refresh_from_db()
    mixed.refresh_from_db()
    assert same.policy == "full_agreement" and mixed.policy == "review_disagreements"
    return items


def axe_clean(page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_reviewer_sees_labels_and_agreement_and_axe_is_clean(live_server, browser, login, labeled, width, height):
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    login(page, live_server.url, "rita")

    page.goto(live_server.url + "/labeling/review/")
    rows = page.locator("tr.review-row")
    expect(rows).to_have_count(3)
    first = rows.nth(0)
    expect(first.locator(".item-labels")).to_contain_text("annie: Card not arrived")
    expect(first.locator(".item-labels")).to_contain_text("arthur: Refund")
    expect(first).to_contain_text("disagreement")
    expect(first.locator(".flag-marker")).to_be_visible()
    expect(first).to_contain_text("1 comment")
    expect(rows.nth(1)).to_contain_text(NONE_OF_THESE)
    expect(rows.nth(1)).to_contain_text("none of these")
    expect(rows.nth(2).locator(".suggestion")).to_have_text(f"gift cards {XSS}")
    expect(rows.nth(2)).to_contain_text("new category suggested")
    page.screenshot(path=str(SHOTS / f"agreement-review-{width}.png"), full_page=True)
    axe_clean(page)

    page.goto(live_server.url + "/labeling/stats/")
    pair = page.locator(".agreement-pairs tr.pair")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("annie and arthur")
    expect(pair.locator(".agreement-raw")).to_have_text("83%")  # 10 of 12 shared items
    batches = page.locator(".agreement-batches tbody tr")
    full = batches.nth(0)  # newest first
    expect(full.locator(".agreement-raw")).to_have_text("100%")
    expect(full.locator(".agreement-kappa")).to_contain_text("every item got the same label, so kappa is undefined")
    expect(full.locator(".policy")).to_contain_text("full_agreement")
    expect(batches.nth(1).locator(".agreement-kappa")).to_contain_text("Cohen's κ")
    page.screenshot(path=str(SHOTS / f"agreement-stats-{width}.png"), full_page=True)
    axe_clean(page)
    assert dialogs == []
    context.close()
