"""The topics map in a real browser: a finished cluster run is drawn under the CSP, with no eval."""

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from feedback.cluster_services import clusterrun_execute
from feedback.models import ClusterRun, ExplicitFeedback
from mlcore.models import DriftReport
from tests.factories import FEEDBACK_TOPICS as TOPICS
from tests.factories import InquiryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir()) / "shots"  # for looking at the page by eye
# Registered before any page script runs, so a violation raised while plotly loads or draws is kept.
CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def finished_run(db) -> ClusterRun:
    for topic, texts in TOPICS.items():
        for i in range(12):
            ExplicitFeedback.objects.create(inquiry=InquiryFactory(status="answered_auto", category=topic),
                                            comment=texts[i % 4], nps=i % 11)
    run = ClusterRun.objects.create(source=ClusterRun.Source.COMMENTS)
    run = clusterrun_execute(run_id=run.pk)
    assert run.status == ClusterRun.Status.DONE, run.error
    assert len(run.points) == 36
    return run


def _watch(page) -> list[str]:
    """Console errors and warnings and uncaught exceptions (a blocked eval surfaces as one or the other)."""
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(str(e)))
    page.add_init_script(CSP_LISTENER)
    return console


def _assert_no_csp_trouble(page, console: list[str]) -> None:
    page.wait_for_timeout(300)  # a late report of a blocked eval would land here
    assert page.evaluate("window.__csp") == []
    assert not [m for m in console if "Content Security Policy" in m or "unsafe-eval" in m or "WebGL" in m], console


@pytest.mark.parametrize("width", [1366, 390])
def test_topics_map_draws_its_points_without_csp_violations(live_server, page, login, finished_run, width):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    console = _watch(page)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "root")
    page.goto(f"{live_server.url}/dashboards/clusters/?run={finished_run.pk}")
    chart = page.locator('[data-chart="chart-cluster_map"]')
    expect(chart.locator(".main-svg").first).to_be_visible()
    points = chart.locator(".scatterlayer .point")
    expect(points.first).to_be_attached()
    assert points.count() == len(finished_run.points)
    assert chart.locator("canvas").count() == 0  # no WebGL layer
    card, plot = chart.bounding_box(), chart.locator(".main-svg").first.bounding_box()
    assert plot["x"] >= card["x"] and plot["x"] + plot["width"] <= card["x"] + card["width"]  # inside its card
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing widens the page
    _assert_no_csp_trouble(page, console)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"topics_{width}.png"), full_page=True)


def test_other_chart_pages_draw_without_csp_violations(live_server, page, login):
    """The feedback dashboard's and the model page's charts: SVG traces only, nothing that needs eval."""
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(12):
        ExplicitFeedback.objects.create(inquiry=InquiryFactory(status="answered_auto", category="delivery"),
                                        rating=1 + i % 5, nps=i % 11, comment="ok", score=0.5)
    DriftReport.objects.create(level="warning", psi_class=0.12, psi_confidence=0.03, details={
        "labels": ["delivery", "refund"], "reference_classes": [5, 5], "recent_classes": [7, 3],
        "reference_confidence": [1] * 10, "recent_confidence": [2] * 10})
    console = _watch(page)
    login(page, live_server.url, "root")
    for path, charts in (("/dashboards/", 4), ("/models/", 3)):  # two cards say in words they have no data
        page.goto(live_server.url + path)
        expect(page.locator(".chart .main-svg").first).to_be_visible()
        expect(page.locator(".chart .plot-container")).to_have_count(charts)
        assert page.locator(".chart canvas").count() == 0
        _assert_no_csp_trouble(page, console)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"charts{path.replace('/', '_')}1280.png"), full_page=True)


LONG = "reactivationconfirmationcodeverificationreference"  # one long keyword, which must wrap in its cell
ESCALATED = {
    "card": ["my new card still hasn't arrived", "the card you sent never arrived", "card not received yet",
             f"my card never arrived, {LONG} {LONG}"],
    "login": ["cannot log in to my account", "password reset email never comes", "locked out of my account",
              f"login page keeps failing {LONG}"],
    "refund": ["refund still not on my card", "I want my money back now", "where is my refund",
               "still waiting for the refund money"],
}


def _escalated_run(*, execute: bool) -> ClusterRun:
    from mlcore import encoder

    texts = [texts[i % 4] + ("" if i < 4 else f" ({i})") for texts in ESCALATED.values() for i in range(12)]
    for text, vector in zip(texts, encoder.encoder_session().embed(texts), strict=True):
        InquiryFactory(text=text, status="escalated", escalation_reasons=["out_of_scope"],
                       embedding=vector.tobytes())
    run = ClusterRun.objects.create(source=ClusterRun.Source.ESCALATIONS)
    return clusterrun_execute(run_id=run.pk) if execute else run


@pytest.mark.parametrize("width", [1366, 390])
def test_escalation_topics_show_names_trends_reasons_and_the_category_form(live_server, page, login, width):
    run = _escalated_run(execute=True)
    assert run.status == ClusterRun.Status.DONE, run.error
    UserFactory(username="root", is_staff=True, is_superuser=True)
    console = _watch(page)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "root")
    page.goto(f"{live_server.url}/dashboards/clusters/?run={run.pk}")
    expect(page.locator('[data-chart="chart-cluster_map"] .main-svg').first).to_be_visible()
    rows = page.locator("table.topics tr[id^=topic-]")
    assert rows.count() == run.clusters.count() >= 2
    expect(rows.first.locator(".topic-name strong")).to_contain_text(" · ")
    expect(rows.first.locator("ul.reasons")).to_contain_text("out_of_scope")
    for cell in page.locator("td.keywords").all():  # long keywords wrap inside their cell
        box = cell.bounding_box()
        for li in cell.locator("li").all():
            kb = li.bounding_box()
            assert kb["x"] + kb["width"] <= box["x"] + box["width"] + 1, li.text_content()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("details.topic-category summary").first.click()
    expect(page.locator("details.topic-category[open] input[name=name]")).to_be_visible()
    _assert_no_csp_trouble(page, console)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"topics_escalations_{width}.png"), full_page=True)


def test_the_page_updates_when_a_run_finishes(asgi_server, page, login):
    run = _escalated_run(execute=False)
    UserFactory(username="root", is_staff=True, is_superuser=True)
    console = _watch(page)
    login(page, asgi_server, "root")
    page.goto(f"{asgi_server}/dashboards/clusters/?run={run.pk}")
    expect(page.locator("#cluster-runs")).to_have_attribute("data-live-state", "open")
    expect(page.locator(f"#cluster-run-{run.pk}")).to_contain_text("Queued")
    assert page.locator('[data-chart="chart-cluster_map"]').count() == 0
    run = clusterrun_execute(run_id=run.pk)  # as the worker would; the push reaches the page's socket
    assert run.status == ClusterRun.Status.DONE, run.error
    expect(page.locator('[data-chart="chart-cluster_map"] .main-svg').first).to_be_visible(timeout=15000)
    expect(page.locator("table.topics tr[id^=topic-]").first).to_be_visible()
    _assert_no_csp_trouble(page, console)
