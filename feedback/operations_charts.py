"""The operations dashboard's charts (plotly JSON, drawn by static/js/dashboards.js like the feedback
charts). Every point carries the admin link to its tickets in `customdata`, and the figure says so in
layout.meta.links: a click opens the ticket list behind the point."""

from __future__ import annotations

from feedback.charts import Chart, _axis, _chart, _period_axis, _period_ms
from feedback.operations import Change, duration_words
from feedback.operations_selectors import OperationsReport

MEDIAN, P90 = "#1f77b4", "#ff7f0e"


def _line(*, name: str, x: list[str], y: list, links: list[str], colour: str, unit: str, dash: str = "solid") -> dict:
    return {"type": "scatter", "mode": "lines+markers", "name": name, "x": x, "y": y, "customdata": links,
            "connectgaps": False, "line": {"color": colour, "dash": dash}, "marker": {"color": colour},
            "hovertemplate": f"%{{x}}<br>%{{y:.1f}} {unit}<br>click: the tickets<extra>%{{fullData.name}}</extra>"}


def operations_charts(*, report: OperationsReport) -> list[Chart]:
    f, s = report.f, report.series
    x = [b.isoformat() for b in report.buckets]
    links = s.get("links", [])
    axis = _period_axis(f=f, buckets=x)
    hours = _axis(title="Hours since submission", rangemode="tozero")
    none_handed = "No inquiry was handed to a person"
    charts = [
        _chart("first_response", "First response time",
               traces=[_line(name="median", x=x, y=s["first_response_median_h"], links=links, colour=MEDIAN,
                             unit="h"),
                       _line(name="90th percentile", x=x, y=s["first_response_p90_h"], links=links, colour=P90,
                             unit="h", dash="dot")] if any(v is not None for v in s.get("first_response_median_h", []))
               else [], empty="No agent reply to an inquiry submitted", x=axis, y=hours, meta={"links": True}),
        _chart("resolution", "Resolution time",
               traces=[_line(name="median", x=x, y=s["resolution_median_h"], links=links, colour=MEDIAN, unit="h"),
                       _line(name="90th percentile", x=x, y=s["resolution_p90_h"], links=links, colour=P90,
                             unit="h", dash="dot")] if any(v is not None for v in s.get("resolution_median_h", []))
               else [], empty="No inquiry resolved from those submitted", x=axis, y=hours, meta={"links": True}),
        _chart("breaches", "First-response SLA breaches",
               traces=[{"type": "bar", "name": "breached", "x": x, "y": s["breaches"], "customdata": links,
                        "width": 0.8 * _period_ms(f=f), "marker": {"color": "#cf222e"},
                        "hovertemplate": "%{x}<br>%{y} breached<br>click: the tickets<extra></extra>"}]
               if x else [], empty=none_handed, x=axis,
               y=_axis(title="Tickets past their due time", rangemode="tozero"), meta={"links": True}),
        _chart("backlog", "Open backlog at the end of each period",
               traces=[{"type": "scatter", "mode": "lines+markers", "name": "open tickets", "x": x, "y": s["backlog"],
                        "customdata": links, "line": {"color": "#6f42c1"}, "marker": {"color": "#6f42c1"},
                        "hovertemplate": "%{x}<br>%{y} open<br>click: the tickets submitted then<extra></extra>"}]
               if x else [], empty=none_handed, x=axis, y=_axis(title="Open tickets", rangemode="tozero"),
               meta={"links": True}),
    ]
    return charts


def _format(value: float | None, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:.0%}"
    if kind == "duration":
        return duration_words(value)
    return f"{value:,.0f}"


def _change_words(c: Change, kind: str) -> str:
    if c.delta is None:
        return "no earlier figure"
    if abs(c.delta) < 1e-9:
        return "no change"
    arrow = "▲" if c.delta > 0 else "▼"
    size = (f"{abs(c.delta) * 100:.1f} points" if kind == "rate"
            else duration_words(abs(c.delta)) if kind == "duration" else f"{abs(c.delta):,.0f}")
    return f"{arrow} {size}" if c.better is None else f"{arrow} {size}, {'better' if c.better else 'worse'}"


def headline_figures(*, report: OperationsReport) -> list[dict]:
    """The figures at the top of the page, each beside the previous period's, in words (a change is
    marked better/worse in text, not by colour alone)."""
    changes = report.changes()
    rows = [
        ("automation_rate", "Answered automatically", "rate",
         "of decided inquiries, not reopened by a follow-up"),
        ("first_response_median", "First response, median", "duration", "submission to the first agent reply"),
        ("first_response_p90", "First response, 90th percentile", "duration", "nine in ten were answered within"),
        ("resolution_median", "Resolution, median", "duration", "submission to resolved"),
        ("resolution_p90", "Resolution, 90th percentile", "duration", "nine in ten were resolved within"),
        ("breach_rate", "First-response SLA breached", "rate", "of tickets with a due time"),
        ("csat", "CSAT", "rate", "4 or 5 stars, on tickets agents handled"),
        ("handed", "Handed to agents", "count", "inquiries a person took over"),
    ]
    out = []
    for key, label, kind, hint in rows:
        c = changes[key]
        out.append({"key": key, "label": label, "hint": hint, "value": _format(c.current, kind),
                    "previous": _format(c.previous, kind), "change": _change_words(c, kind),
                    "trend": "" if c.better is None else ("better" if c.better else "worse")})
    return out
