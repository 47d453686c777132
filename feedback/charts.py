"""Chart specs in plotly's JSON format, rendered by static/js/dashboards.js with the vendored
plotly.js: no inline script under the Content-Security-Policy (fig.to_html would inline one).
Plain dicts rather than plotly.graph_objects: validating six figures cost ~0.3 s per page."""

from __future__ import annotations

import json
import random

from feedback import selectors
from feedback.selectors import DashboardFilter

LAYOUT = {"margin": {"l": 48, "r": 16, "t": 36, "b": 40}, "height": 300, "template": {"layout": {}},
          "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}


def _spec(traces: list[dict], title: str, **layout) -> str:
    return json.dumps({"data": traces, "layout": {**LAYOUT, "title": {"text": title}, **layout}})


def dashboard_charts(*, f: DashboardFilter, by_day: list[dict]) -> dict[str, str]:
    trend = selectors.nps_trend(f=f, by_day=by_day)
    x = [b.isoformat() for b, _ in trend]
    nps = {"type": "scatter", "mode": "lines+markers", "name": "NPS", "x": x, "y": [s.nps for _, s in trend],
           "customdata": [s.answers for _, s in trend],
           "hovertemplate": "%{x}<br>NPS %{y:.1f}<br>%{customdata} answers<extra></extra>",
           "error_y": {"type": "data", "symmetric": False, "array": [s.ci_high - s.nps for _, s in trend],
                       "arrayminus": [s.nps - s.ci_low for _, s in trend]}}
    breakdown = [{"type": "bar", "name": k, "x": x, "y": [getattr(s, k) for _, s in trend]}
                 for k in ("promoters", "passives", "detractors")]
    ratings = selectors.rating_distribution(f=f, by_day=by_day)
    hist = selectors.implicit_histogram(f=f)
    esc_x, reasons = selectors.escalations_by_reason(f=f)
    mix_x, mix = selectors.category_mix(f=f)
    return {
        "nps_trend": _spec([nps], "NPS per period (95% CI)", yaxis={"range": [-100, 100]}),
        "nps_breakdown": _spec(breakdown, "Promoters, passives, detractors", barmode="stack"),
        "ratings": _spec([{"type": "bar", "x": [str(r) for r in ratings], "y": list(ratings.values())}], "Ratings"),
        "implicit": _spec([{"type": "bar", "x": [round((i + 0.5) / len(hist), 3) for i in range(len(hist))],
                            "y": hist}], "Implicit feedback score"),
        "escalations": _spec([{"type": "scatter", "mode": "lines", "name": r, "x": [b.isoformat() for b in esc_x],
                               "y": v} for r, v in reasons.items()], "Escalation rate by reason",
                             yaxis={"tickformat": ".0%"}),
        "categories": _spec([{"type": "bar", "name": c, "x": [b.isoformat() for b in mix_x], "y": v}
                             for c, v in mix.items()], "Category mix", barmode="stack"),
    }


# SVG draws one element per point: past a few thousand the page grows slow to draw and to hover.
MAP_POINTS_MAX = 3000


def map_points_sample(*, points: list, limit: int = MAP_POINTS_MAX) -> list:
    """At most `limit` points, a uniform sample (the same on every load): each topic keeps its share."""
    if len(points) <= limit:
        return points
    return [points[i] for i in sorted(random.Random(0).sample(range(len(points)), limit))]


def cluster_map_spec(*, run) -> str:
    # SVG "scatter", not "scattergl": WebGL traces compile their shaders with new Function(), which
    # script-src 'self' (no 'unsafe-eval') blocks, and draw nothing in a browser without WebGL.
    traces: dict[int, dict] = {}
    shown = map_points_sample(points=run.points)
    for x, y, label, text in shown:
        t = traces.setdefault(label, {"type": "scatter", "mode": "markers", "x": [], "y": [], "text": [],
                                      "name": "unclustered" if label < 0 else f"topic {label}",
                                      "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
                                      "marker": {"size": 5, "opacity": 0.35 if label < 0 else 0.8}})
        t["x"].append(x)
        t["y"].append(y)
        t["text"].append(text)
    title = "Topics (2-D map)"
    if len(shown) < len(run.points):
        title += f": {len(shown):,} of {len(run.points):,} items shown"
    return _spec([traces[k] for k in sorted(traces)], title, height=480)
