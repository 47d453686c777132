"""Admin dashboards in a real browser: charts drawn under the CSP, user text inert."""

import pytest
from playwright.sync_api import expect

from feedback.models import Cluster, ClusterRun, ExplicitFeedback
from tests.factories import InquiryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XSS = "<img src=x onerror=alert('d')><script>alert('s')</script><svg onload=alert('v')>"


def test_dashboards_and_cluster_table_render_and_keep_comments_inert(live_server, page, dialogs, login):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(12):
        ExplicitFeedback.objects.create(inquiry=InquiryFactory(status="answered_auto", category="delivery"),
                                        rating=1 + i % 5, nps=i % 11, comment=XSS, score=0.5)
    run = ClusterRun.objects.create(source="comments", status="done", n_items=3, n_noise=1,
                                    points=[[0.1, 0.2, 0, XSS], [0.3, 0.1, 0, "fine"], [0.9, 0.9, -1, XSS]])
    Cluster.objects.create(run=run, label=0, size=2, keywords=["<b>kw</b>", "parcel"],
                           representatives=[XSS, "fine"], mean_sentiment=-0.2, mean_nps=4)
    login(page, live_server.url, "root")
    page.goto(live_server.url + "/dashboards/")
    expect(page.locator(".chart .main-svg").first).to_be_visible()
    assert page.locator(".chart .main-svg").count() >= 6
    page.goto(live_server.url + "/dashboards/clusters/")
    expect(page.locator("table.clusters")).to_contain_text("<script>alert('s')</script>")
    expect(page.locator("table.clusters")).to_contain_text("<b>kw</b>")
    expect(page.locator(".chart .main-svg").first).to_be_visible()
    box = page.locator(".chart").first.bounding_box()
    for fx in (0.2, 0.5, 0.8):  # sweep the map so hover labels (with the comment text) are drawn
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * 0.5)
        page.wait_for_timeout(200)
    assert dialogs == []
