"""The operations dashboard in a real browser: figures, four charts that keep their layout at desktop
and phone width, and a click on a point that opens the tickets behind it."""

import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_dashboard_layout import _inside, _overlap
from tests.factories import UserFactory
from tests.feedback.test_operations_selectors import TODAY, ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots"
CHARTS = ("first_response", "resolution", "breaches", "backlog")


@pytest.fixture
def four_weeks(db):
    bob = UserFactory(username="bob", roles=["agent"])
    carol = UserFactory(username="carol", roles=["agent"])
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(40):
        agent = (bob, carol)[i % 2]
        if i % 3 == 0:
            ticket(days_ago=i % 28, status="answered_auto")
        elif i % 7 == 0:
            ticket(days_ago=i % 28, status="escalated", due_h=1)
        else:
            ticket(days_ago=i % 28 + 0.5, status="resolved", first_h=1 + i % 5, resolved_h=8 + i, due_h=4,
                   agent=agent, rating=1 + i % 5)


@pytest.mark.parametrize("width", [1366, 390])
def test_the_operations_dashboard_lays_out_and_leads_to_the_tickets(live_server, page, login, four_weeks, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "root")
    start = TODAY - timedelta(days=27)
    page.goto(f"{live_server.url}/dashboards/operations/?start={start}&end={TODAY}")
    expect(page.locator(".ops-figure")).to_have_count(8)
    expect(page.locator('[data-figure="automation_rate"] .ops-value')).to_have_text(re.compile(r"^\d+%$"))
    cards = page.locator(".charts .chart")
    expect(cards).to_have_count(len(CHARTS))
    for name in CHARTS:
        expect(page.locator(f'[data-chart="chart-{name}"] .main-svg').first).to_be_visible()
        expect(page.locator(f'[data-chart="chart-{name}"] .g-ytitle text')).not_to_have_text("")
    page.wait_for_timeout(400)
    boxes = [cards.nth(i).bounding_box() for i in range(len(CHARTS))]
    for i, card in enumerate(boxes):
        plot = cards.nth(i).locator(".main-svg").first.bounding_box()
        assert plot["height"] >= 220 and _inside(plot, card), (CHARTS[i], plot, card)
        assert not any(_overlap(card, other) for other in boxes[i + 1:])
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    expect(page.locator("table.ops-agents")).to_contain_text("carol")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"operations_{width}.png"), full_page=True)

    point = page.locator('[data-chart="chart-backlog"] .scatterlayer .points path').last
    point.scroll_into_view_if_needed()
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # plotly's own hit test
    page.wait_for_url(re.compile(r"/admin/supportdesk/inquiry/\?created_day__gte="))
    expect(page.locator("#result_list")).to_be_visible()
