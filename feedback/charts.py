"""Chart specs in plotly's JSON format, rendered by static/js/dashboards.js with the vendored
plotly.js: no inline script under the Content-Security-Policy (fig.to_html would inline one).
Plain dicts rather than plotly.graph_objects: validating six figures cost ~0.3 s per page."""

from __future__ import annotations

import json
import random
import zlib
from dataclasses import dataclass

from feedback import selectors
from feedback.selectors import DashboardFilter
from mlcore.categories import category_display
from supportdesk.rules import ALL_REASONS

LAYOUT = {"margin": {"l": 48, "r": 16, "t": 36, "b": 40}, "height": 300, "template": {"layout": {}},
          "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}
# The dashboard's cards fix the plot's height in CSS (.charts .chart-plot) and plotly's responsive mode
# fills it, so no height here; the title is the card's heading. Axes grow their margins to fit their
# titles and tick labels; the legend sits above the plot, where it never eats a narrow plot's width.
CARD_LAYOUT = {"margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "autosize": True, "template": {"layout": {}},
               "paper_bgcolor": "#fff", "plot_bgcolor": "#fff", "font": {"size": 12}, "showlegend": True,
               "legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
                          "traceorder": "normal"},
               "hovermode": "closest"}
# plotly's default colour cycle, fixed by name below so a series keeps its colour under every filter.
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf"]
NPS_COLOURS = {"promoters": "#1a7f37", "passives": "#9aa4b1", "detractors": "#cf222e"}


def _spec(traces: list[dict], title: str, **layout) -> str:
    return json.dumps({"data": traces, "layout": {**LAYOUT, "title": {"text": title}, **layout}})


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    spec: str | None  # None: nothing to draw, `empty` says what is missing (the page adds the range)
    empty: str = ""


def _axis(*, title: str, **extra) -> dict:
    return {"title": {"text": title, "standoff": 8}, "automargin": True, "zeroline": False, **extra}


def _chart(name: str, title: str, *, traces: list[dict], empty: str, x: dict, y: dict, **layout) -> Chart:
    if not traces:
        return Chart(name=name, title=title, spec=None, empty=empty)
    spec = {"data": traces, "layout": {**CARD_LAYOUT, "xaxis": x, "yaxis": y, **layout}}
    return Chart(name=name, title=title, spec=json.dumps(spec), empty=empty)


DAY_MS = 86_400_000


def _period_ms(*, f: DashboardFilter) -> int:
    return 7 * DAY_MS if f.period == "week" else DAY_MS


def _period_axis(*, f: DashboardFilter, buckets: list[str]) -> dict:
    axis = _axis(title="Week (starting Monday)" if f.period == "week" else "Day", type="date", hoverformat="%Y-%m-%d")
    if 0 < len(buckets) < 8:  # plotly would fill a short range with hourly ticks, each labelled the same day
        axis.update(tick0=buckets[0], dtick=_period_ms(f=f), tickformat="%b %-d, %Y")
    return axis


def _colour(*, name: str, known: list[str] | tuple[str, ...]) -> str:
    i = known.index(name) if name in known else zlib.crc32(name.encode())
    return PALETTE[i % len(PALETTE)]


def dashboard_charts(*, f: DashboardFilter, by_day: list[dict]) -> list[Chart]:
    """The six feedback charts, each saying what is missing instead of a spec when it has nothing to show."""
    bar_width = 0.8 * _period_ms(f=f)  # on a date axis, in ms: plotly cannot infer it from a single bar
    trend = selectors.nps_trend(f=f, by_day=by_day)
    x = [b.isoformat() for b, _ in trend]
    nps = {"type": "scatter", "mode": "lines+markers", "name": "NPS with its 95% interval", "x": x,
           "y": [s.nps for _, s in trend], "customdata": [s.answers for _, s in trend],
           "hovertemplate": "%{x}<br>NPS %{y:.1f}<br>%{customdata} answers<extra></extra>",
           "error_y": {"type": "data", "symmetric": False, "array": [s.ci_high - s.nps for _, s in trend],
                       "arrayminus": [s.nps - s.ci_low for _, s in trend]}}
    breakdown = [{"type": "bar", "name": k, "x": x, "y": [getattr(s, k) for _, s in trend],
                  "width": bar_width,
                  "marker": {"color": NPS_COLOURS[k]}} for k in ("promoters", "passives", "detractors")]
    ratings = selectors.rating_distribution(f=f, by_day=by_day)
    stars = {"type": "bar", "name": "answers", "x": [str(r) for r in ratings], "y": list(ratings.values()),
             "hovertemplate": "%{x} stars: %{y} answers<extra></extra>"}
    hist = selectors.implicit_histogram(f=f)
    views = {"type": "bar", "name": "ticket views", "x": [round((i + 0.5) / len(hist), 3) for i in range(len(hist))],
             "y": hist, "width": 0.9 / len(hist), "hovertemplate": "score %{x:.2f}: %{y} views<extra></extra>"}
    esc_x, reasons = selectors.escalations_by_reason(f=f)
    esc_dates = [b.isoformat() for b in esc_x]
    escalated = [{"type": "scatter", "mode": "lines+markers", "name": r.replace("_", " "), "y": v,
                  "x": esc_dates, "marker": {"color": _colour(name=r, known=ALL_REASONS)},
                  "line": {"color": _colour(name=r, known=ALL_REASONS)},
                  "hovertemplate": "%{x}<br>%{y:.1%} of inquiries<extra>%{fullData.name}</extra>"}
                 for r, v in reasons.items()]
    mix_x, mix = selectors.category_mix(f=f)
    mix_dates = [b.isoformat() for b in mix_x]
    in_use = selectors.categories_in_use()
    mixed = [{"type": "bar", "name": category_display(c), "x": mix_dates, "y": v, "width": bar_width,
              "marker": {"color": _colour(name=c, known=in_use)}}
             for c, v in sorted(mix.items(), key=lambda kv: category_display(kv[0]).casefold())]
    no_nps = "No NPS answers"
    return [
        _chart("nps_trend", "NPS per period", traces=[nps] if trend else [], empty=no_nps,
               x=_period_axis(f=f, buckets=x), y=_axis(title="NPS (−100 to 100)", range=[-105, 105], zeroline=True)),
        _chart("nps_breakdown", "Promoters, passives, detractors", traces=breakdown if trend else [], empty=no_nps,
               x=_period_axis(f=f, buckets=x), y=_axis(title="Answers"), barmode="stack"),
        _chart("ratings", "Ratings", traces=[stars] if any(ratings.values()) else [],
               empty="No star ratings", x=_axis(title="Rating (stars, 1 to 5)", type="category"),
               y=_axis(title="Answers"), showlegend=False),
        _chart("implicit", "Implicit feedback score", traces=[views] if sum(hist) else [],
               empty="No ticket views with implicit feedback",
               x=_axis(title="Implicit score (0 to 1: click, dwell, scroll)", range=[0, 1]),
               y=_axis(title="Ticket views"), showlegend=False),
        _chart("escalations", "Escalation rate by reason", traces=escalated,
               empty="No inquiry was escalated" if esc_x else "No inquiries",
               x=_period_axis(f=f, buckets=esc_dates),
               y=_axis(title="Escalated (% of inquiries)", tickformat=".0%", rangemode="tozero")),
        _chart("categories", "Category mix", traces=mixed, empty="No categorised inquiries",
               x=_period_axis(f=f, buckets=mix_dates), y=_axis(title="Inquiries"), barmode="stack"),
    ]


# SVG draws one element per point: past a few thousand the page grows slow to draw and to hover.
MAP_POINTS_MAX = 3000


def map_points_sample(*, points: list, limit: int = MAP_POINTS_MAX) -> list:
    """At most `limit` points, a uniform sample (the same on every load): each topic keeps its share."""
    if len(points) <= limit:
        return points
    return [points[i] for i in sorted(random.Random(0).sample(range(len(points)), limit))]


def cluster_map_spec(*, run, names: dict[int, str] | None = None) -> str:
    """The 2-D map, one trace per topic, named as the table names it (`names`: label -> name)."""
    names = names or {}
    # SVG "scatter", not "scattergl": WebGL traces compile their shaders with new Function(), which
    # script-src 'self' (no 'unsafe-eval') blocks, and draw nothing in a browser without WebGL.
    traces: dict[int, dict] = {}
    shown = map_points_sample(points=run.points)
    for x, y, label, text in shown:
        t = traces.setdefault(label, {"type": "scatter", "mode": "markers", "x": [], "y": [], "text": [],
                                      "name": "unclustered" if label < 0 else names.get(label) or f"topic {label}",
                                      "hovertemplate": "%{text}<extra>%{fullData.name}</extra>",
                                      "marker": {"size": 5, "opacity": 0.35 if label < 0 else 0.8}})
        t["x"].append(x)
        t["y"].append(y)
        t["text"].append(text)
    title = "Topics (2-D map)"
    if len(shown) < len(run.points):
        title += f": {len(shown):,} of {len(run.points):,} items shown"
    return _spec([traces[k] for k in sorted(traces)], title, height=480)
