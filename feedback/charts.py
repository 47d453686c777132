"""Plotly figures as JSON specs: rendered by static/js/dashboards.js, so no inline script is needed
under the Content-Security-Policy (fig.to_html would inline one)."""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

from feedback import selectors
from feedback.selectors import DashboardFilter

LAYOUT = {"margin": {"l": 48, "r": 16, "t": 36, "b": 40}, "height": 300, "template": "plotly_white"}


def _spec(fig: go.Figure, title: str) -> str:
    fig.update_layout(title=title, **LAYOUT)
    return pio.to_json(fig, validate=False)


def dashboard_charts(*, f: DashboardFilter) -> dict[str, str]:
    trend = selectors.nps_trend(f=f)
    x = [b.isoformat() for b, _ in trend]
    nps = go.Figure(go.Scatter(x=x, y=[s.nps for _, s in trend], mode="lines+markers", name="NPS",
                               error_y={"type": "data", "symmetric": False,
                                        "array": [(s.ci_high - s.nps) for _, s in trend],
                                        "arrayminus": [(s.nps - s.ci_low) for _, s in trend]},
                               customdata=[s.answers for _, s in trend],
                               hovertemplate="%{x}<br>NPS %{y:.1f}<br>%{customdata} answers<extra></extra>"))
    breakdown = go.Figure([go.Bar(x=x, y=[getattr(s, k) for _, s in trend], name=k)
                           for k in ("promoters", "passives", "detractors")]).update_layout(barmode="stack")
    ratings = selectors.rating_distribution(f=f)
    rating = go.Figure(go.Bar(x=[str(r) for r in ratings], y=list(ratings.values())))
    hist = selectors.implicit_histogram(f=f)
    implicit = go.Figure(go.Bar(x=[round((i + 0.5) / len(hist), 3) for i in range(len(hist))], y=hist))
    buckets, reasons = selectors.escalations_by_reason(f=f)
    esc = go.Figure([go.Scatter(x=[b.isoformat() for b in buckets], y=v, mode="lines", name=r)
                     for r, v in reasons.items()]).update_yaxes(tickformat=".0%")
    buckets, mix = selectors.category_mix(f=f)
    cats = go.Figure([go.Bar(x=[b.isoformat() for b in buckets], y=v, name=c) for c, v in mix.items()])
    cats.update_layout(barmode="stack")
    return {
        "nps_trend": _spec(nps, "NPS per period (95% CI)"),
        "nps_breakdown": _spec(breakdown, "Promoters, passives, detractors"),
        "ratings": _spec(rating, "Ratings"),
        "implicit": _spec(implicit, "Implicit feedback score"),
        "escalations": _spec(esc, "Escalation rate by reason"),
        "categories": _spec(cats, "Category mix"),
    }
