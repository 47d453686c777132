"""The feedback dashboard's chart cards in a real browser: each holds its own height and stays out of its
neighbours' way, on load and after the viewport is resized, at desktop and phone widths."""

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from feedback.models import ExplicitFeedback, ImplicitSignal
from supportdesk.models import Inquiry
from tests.factories import InquiryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots"  # for looking at the page by eye
CHARTS = ("nps_trend", "nps_breakdown", "ratings", "implicit", "escalations", "categories")
# A chart shorter than this is squashed (the bug was ~40 px); taller than this has lost its fixed height.
MIN_HEIGHT, MAX_HEIGHT = 220, 600


@pytest.fixture
def eight_weeks(db) -> None:
    """Feedback on three categories spread over eight weeks, some of it escalated for two reasons."""
    today = timezone.localdate()
    for i in range(72):
        day = today - dt.timedelta(days=i % 56)
        reasons = [["high_risk"], ["low_confidence"], []][i % 3]
        inquiry = InquiryFactory(status="escalated" if reasons else "answered_auto",
                                 category=["delivery", "refund", "billing"][i % 3], escalation_reasons=reasons)
        fb = ExplicitFeedback.objects.create(inquiry=inquiry, rating=1 + i % 5, nps=i % 11, score=0.5)
        sig = ImplicitSignal.objects.create(inquiry=inquiry, view_id=f"view-{i:08d}", score=(i % 10) / 10)
        # created_day is not editable: the rows are written "today" and moved back in time.
        for model, pk in ((Inquiry, inquiry.pk), (ExplicitFeedback, fb.pk), (ImplicitSignal, sig.pk)):
            model.objects.filter(pk=pk).update(created_day=day)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def _overlap(a: dict, b: dict) -> bool:
    # Touching edges (a shared border pixel after rounding) is not an overlap.
    return (min(a["x"] + a["width"], b["x"] + b["width"]) - max(a["x"], b["x"]) > 1
            and min(a["y"] + a["height"], b["y"] + b["height"]) - max(a["y"], b["y"]) > 1)


def _inside(inner: dict, outer: dict) -> bool:
    return (inner["x"] >= outer["x"] - 1 and inner["y"] >= outer["y"] - 1
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1)


def _assert_charts_laid_out(page, width: int) -> None:
    cards = page.locator(".charts .chart")
    expect(cards).to_have_count(len(CHARTS))
    expect(page.locator(".charts .chart .main-svg").first).to_be_visible()
    page.wait_for_timeout(400)  # plotly's resize handler is debounced
    card_boxes, svg_boxes = [], []
    for i in range(len(CHARTS)):
        card = cards.nth(i)
        expect(card.locator(".main-svg").first).to_be_visible()
        cb, sb = card.bounding_box(), card.locator(".main-svg").first.bounding_box()
        name = card.get_attribute("data-chart")
        assert MIN_HEIGHT <= sb["height"] <= MAX_HEIGHT, (name, width, sb)
        assert sb["width"] >= 0.8 * cb["width"] - 60, (name, width, sb, cb)  # fills its card's width
        assert _inside(sb, cb), (name, width, sb, cb)
        card_boxes.append((name, cb))
        svg_boxes.append((name, sb))
    for boxes in (card_boxes, svg_boxes):
        for i, (na, a) in enumerate(boxes):
            for nb, b in boxes[i + 1:]:
                assert not _overlap(a, b), (width, na, a, nb, b)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize(("width", "other"), [(1366, 700), (390, 1366)])
def test_chart_cards_keep_their_size_on_load_and_after_a_resize(live_server, page, login, root, eight_weeks,
                                                               width, other):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "root")
    page.goto(live_server.url + "/dashboards/")
    _assert_charts_laid_out(page, width)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"dashboard_{width}.png"), full_page=True)
    page.set_viewport_size({"width": other, "height": 900})
    _assert_charts_laid_out(page, other)
    page.set_viewport_size({"width": width, "height": 900})
    _assert_charts_laid_out(page, width)
    page.screenshot(path=str(SHOTS / f"dashboard_{width}_after_resize.png"), full_page=True)


def test_every_chart_has_axis_titles_and_a_one_category_view_keeps_its_legends(live_server, page, login, root,
                                                                              eight_weeks):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server.url, "root")
    page.goto(live_server.url + "/dashboards/?category=refund")
    expect(page.locator(".charts .chart .main-svg").first).to_be_visible()
    for name in CHARTS:
        chart = page.locator(f'[data-chart="chart-{name}"]')
        expect(chart.locator(".g-xtitle text")).not_to_have_text("")
        expect(chart.locator(".g-ytitle text")).not_to_have_text("")
    for name in ("nps_trend", "nps_breakdown", "escalations", "categories"):
        expect(page.locator(f'[data-chart="chart-{name}"] .legend .traces').first).to_be_visible()
    expect(page.locator('[data-chart="chart-categories"] .legend')).to_contain_text("Refund")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard_refund_1366.png"), full_page=True)


def test_an_empty_range_and_a_reversed_range_are_explained_in_words(live_server, page, login, root, eight_weeks):
    page.set_viewport_size({"width": 390, "height": 900})
    login(page, live_server.url, "root")
    page.goto(live_server.url + "/dashboards/?start=2001-01-01&end=2001-02-01")
    empty = page.locator(".charts .chart .chart-empty")
    expect(empty).to_have_count(len(CHARTS))
    for i in range(len(CHARTS)):
        expect(empty.nth(i)).to_contain_text("between 2001-01-01 and 2001-02-01")
    expect(empty.first).to_have_text("No NPS answers between 2001-01-01 and 2001-02-01.")
    assert page.locator(".charts .main-svg").count() == 0  # a sentence, not empty axes
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard_empty_390.png"), full_page=True)
    response = page.goto(live_server.url + "/dashboards/?start=2026-03-01&end=2026-02-01")
    assert response.status == 400
    expect(page.locator("form.filters .errorlist")).to_contain_text(
        "The start date (2026-03-01) is after the end date (2026-02-01)")
    expect(page.locator("#id_start")).to_have_value("2026-03-01")  # the form keeps what was typed
    assert page.locator(".charts").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "dashboard_reversed_390.png"), full_page=True)
