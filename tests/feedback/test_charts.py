"""Chart specs: SVG traces only (WebGL traces compile shaders with new Function, which the CSP blocks),
titled axes, legends that stay, and a sentence where there is nothing to draw."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from feedback.charts import MAP_POINTS_MAX, cluster_map_spec, dashboard_charts
from feedback.models import ClusterRun, ExplicitFeedback, ImplicitSignal
from feedback.selectors import DashboardFilter, feedback_by_day
from tests.factories import InquiryFactory

GL_TRACES = {"scattergl", "scatter3d", "surface", "mesh3d", "cone", "streamtube", "volume", "isosurface",
             "heatmapgl", "pointcloud", "splom", "parcoords", "scattermap", "scattermapbox", "densitymap",
             "densitymapbox", "choroplethmap", "choroplethmapbox", "scatterpolargl"}


def _types(spec: str) -> set[str]:
    return {t.get("type", "scatter") for t in json.loads(spec)["data"]}


def test_cluster_map_is_an_svg_scatter_with_one_trace_per_topic():
    run = ClusterRun(points=[[0.1, 0.2, 0, "late parcel"], [0.3, 0.1, 1, "refund"], [0.9, 0.9, -1, "hm"],
                             [0.2, 0.2, 0, "lost parcel"]])
    spec = json.loads(cluster_map_spec(run=run))
    assert [t["type"] for t in spec["data"]] == ["scatter"] * 3
    assert [t["name"] for t in spec["data"]] == ["unclustered", "topic 0", "topic 1"]
    assert spec["data"][1]["x"] == [0.1, 0.2] and spec["data"][1]["text"] == ["late parcel", "lost parcel"]
    assert spec["layout"]["height"] == 480
    named = json.loads(cluster_map_spec(run=run, names={0: "parcel · late · lost"}))
    assert [t["name"] for t in named["data"]] == ["unclustered", "parcel · late · lost", "topic 1"]


def test_a_large_map_is_sampled_evenly_and_says_so():
    points = [[i / 10_000, 0.5, i % 4 - 1, f"comment {i}"] for i in range(10_000)]
    spec = json.loads(cluster_map_spec(run=ClusterRun(points=points)))
    sizes = {t["name"]: len(t["x"]) for t in spec["data"]}
    assert sum(sizes.values()) == MAP_POINTS_MAX
    assert all(abs(n - MAP_POINTS_MAX / 4) < 0.05 * MAP_POINTS_MAX for n in sizes.values()), sizes  # equal shares
    assert json.loads(cluster_map_spec(run=ClusterRun(points=points))) == spec  # the same sample every time
    assert spec["layout"]["title"]["text"].endswith("3,000 of 10,000 items shown")
    small = json.loads(cluster_map_spec(run=ClusterRun(points=points[:50])))
    assert small["layout"]["title"]["text"] == "Topics (2-D map)"


def _charts(*, days: int = 30, category: str = "", period: str = "week", end: dt.date | None = None) -> dict:
    end = end or timezone.localdate()
    f = DashboardFilter(start=end - dt.timedelta(days=days), end=end, category=category, period=period)
    return {c.name: c for c in dashboard_charts(f=f, by_day=feedback_by_day(f=f))}


@pytest.fixture
def feedback(db):
    """Two categories, some escalated, with ratings, NPS answers and page views: every chart has data."""
    for i in range(12):
        inquiry = InquiryFactory(status="escalated" if i % 3 == 0 else "answered_auto",
                                 category=["delivery", "refund"][i % 2],
                                 escalation_reasons=["high_risk"] if i % 3 == 0 else [])
        ExplicitFeedback.objects.create(inquiry=inquiry, rating=1 + i % 5, nps=i % 11, score=0.5)
        ImplicitSignal.objects.create(inquiry=inquiry, view_id=f"view-{i:04d}", score=(i % 10) / 10)


def test_no_dashboard_chart_uses_a_webgl_trace(feedback):
    charts = _charts()
    assert list(charts) == ["nps_trend", "nps_breakdown", "ratings", "implicit", "escalations", "categories"]
    assert not set().union(*(_types(c.spec) for c in charts.values())) & GL_TRACES


def test_every_chart_has_a_title_and_titled_axes_and_fills_its_card(feedback):
    for name, chart in _charts().items():
        layout = json.loads(chart.spec)["layout"]
        assert chart.title, name
        for axis in ("xaxis", "yaxis"):
            assert layout[axis]["title"]["text"], (name, axis)
            assert layout[axis]["automargin"] is True, (name, axis)  # room for the title and tick labels
        assert "height" not in layout and layout["autosize"] is True, name  # the card's CSS sets the height
    assert "%" in json.loads(_charts()["escalations"].spec)["layout"]["yaxis"]["title"]["text"]


def test_legends_stay_when_a_filter_leaves_a_single_series(feedback):
    charts = _charts(category="refund")
    categories = json.loads(charts["categories"].spec)
    assert [t["name"] for t in categories["data"]] == ["Refund"]  # one trace: plotly would hide its legend
    assert categories["layout"]["showlegend"] is True
    escalations = json.loads(charts["escalations"].spec)
    assert [t["name"] for t in escalations["data"]] == ["high risk"]
    assert escalations["layout"]["showlegend"] is True
    assert json.loads(charts["nps_trend"].spec)["layout"]["showlegend"] is True


def test_a_series_keeps_its_colour_under_a_filter(feedback):
    def colour(charts, name):
        return next(t["marker"]["color"] for t in json.loads(charts["categories"].spec)["data"] if t["name"] == name)

    everything, refunds = _charts(), _charts(category="refund")
    assert colour(everything, "Refund") == colour(refunds, "Refund") != colour(everything, "Delivery")


def test_a_range_without_data_gives_a_sentence_per_chart_instead_of_axes(feedback):
    charts = _charts(days=10, end=dt.date(2001, 1, 31))
    assert all(c.spec is None for c in charts.values())
    assert charts["nps_trend"].empty == "No NPS answers"
    assert charts["escalations"].empty == "No inquiries"
    assert charts["ratings"].empty == "No star ratings"


def test_inquiries_without_an_escalation_say_so(db):
    InquiryFactory(status="answered_auto", category="delivery")
    charts = _charts(category="delivery")
    assert charts["escalations"].spec is None
    assert charts["escalations"].empty == "No inquiry was escalated"
    assert charts["categories"].spec is not None


def test_a_single_period_is_drawn_as_a_visible_bar_with_day_ticks(feedback):
    breakdown = json.loads(_charts(days=0, period="day")["nps_breakdown"].spec)
    assert len(breakdown["data"][0]["x"]) == 1
    assert breakdown["data"][0]["width"] == 0.8 * 86_400_000  # ms on a date axis: plotly cannot infer it
    assert breakdown["layout"]["xaxis"]["dtick"] == 86_400_000  # no hourly ticks all labelled the same day
