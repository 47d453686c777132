"""Drift charts as plotly JSON specs (drawn by static/js/dashboards.js, no inline script)."""

from __future__ import annotations

import json

from mlcore.drift import PSI_CRITICAL, PSI_WARNING

LAYOUT = {"margin": {"l": 48, "r": 16, "t": 36, "b": 60}, "height": 300, "template": {"layout": {}},
          "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}


def _spec(traces: list[dict], title: str, **layout) -> str:
    return json.dumps({"data": traces, "layout": {**LAYOUT, "title": {"text": title}, **layout}})


def _shares(counts: list[int]) -> list[float]:
    total = sum(counts) or 1
    return [round(c / total, 4) for c in counts]


def drift_charts(*, report, history: list) -> dict[str, str]:
    charts = {}
    d = report.details if report else {}
    if d.get("labels"):
        charts["drift_classes"] = _spec([
            {"type": "bar", "name": "training", "x": d["labels"], "y": _shares(d["reference_classes"])},
            {"type": "bar", "name": "recent", "x": d["labels"], "y": _shares(d["recent_classes"])},
        ], f"Predicted-class mix (PSI {report.psi_class or 0:.3f})", barmode="group")
        bins = [f"{i / 10:.1f}–{(i + 1) / 10:.1f}" for i in range(len(d["reference_confidence"]))]
        charts["drift_confidence"] = _spec([
            {"type": "bar", "name": "training", "x": bins, "y": _shares(d["reference_confidence"])},
            {"type": "bar", "name": "recent", "x": bins, "y": _shares(d["recent_confidence"])},
        ], f"Confidence (PSI {report.psi_confidence:.3f})", barmode="group")
    points = [r for r in reversed(history) if r.psi_confidence is not None]
    if points:
        x = [r.created_at.isoformat() for r in points]
        charts["drift_history"] = _spec([
            {"type": "scatter", "mode": "lines+markers", "name": "PSI class", "x": x,
             "y": [r.psi_class for r in points]},
            {"type": "scatter", "mode": "lines+markers", "name": "PSI confidence", "x": x,
             "y": [r.psi_confidence for r in points]},
        ], "Drift over time", shapes=[
            {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": v, "y1": v, "line": {"dash": "dot", "color": c}}
            for v, c in ((PSI_WARNING, "#c90"), (PSI_CRITICAL, "#c00"))])
    return charts
