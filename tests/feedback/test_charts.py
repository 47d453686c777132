"""Chart specs draw under the CSP: SVG traces only (WebGL traces compile shaders with new Function)."""

import datetime as dt
import json

from django.utils import timezone

from feedback.charts import MAP_POINTS_MAX, cluster_map_spec, dashboard_charts
from feedback.models import ClusterRun, ExplicitFeedback
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


def test_no_dashboard_chart_uses_a_webgl_trace(db):
    for i in range(6):
        ExplicitFeedback.objects.create(inquiry=InquiryFactory(status="answered_auto", category="delivery"),
                                        rating=1 + i % 5, nps=i % 11, score=0.5)
    end = timezone.localdate()
    f = DashboardFilter(start=end - dt.timedelta(days=30), end=end, category="", period="week")
    charts = dashboard_charts(f=f, by_day=feedback_by_day(f=f))
    assert len(charts) == 6
    assert not set().union(*(_types(s) for s in charts.values())) & GL_TRACES
