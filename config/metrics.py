"""/metrics for Prometheus: the per-process counters (merged across processes when
PROMETHEUS_MULTIPROC_DIR is set) plus gauges read from the database at scrape time."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

from mlcore.selectors import driftreport_latest, modelversion_active, trainingrun_counts_by_status
from supportdesk.selectors import inquiry_counts_by_status


class DatabaseCollector:
    """Tickets by state and the active model version, true for the whole deployment."""

    def collect(self):
        tickets = GaugeMetricFamily("supportloop_tickets", "Tickets by state", labels=["state"])
        for state, count in inquiry_counts_by_status().items():
            tickets.add_metric([state], count)
        yield tickets
        model = GaugeMetricFamily("supportloop_active_model", "The active model version (1)", labels=["version"])
        active = modelversion_active()
        if active is not None:
            model.add_metric([active.version], 1)
        yield model
        runs = GaugeMetricFamily("supportloop_training_runs", "Training runs by status", labels=["status"])
        for status, count in trainingrun_counts_by_status().items():
            runs.add_metric([status], count)
        yield runs
        drift = GaugeMetricFamily("supportloop_drift_psi", "Latest drift PSI against the training data",
                                  labels=["on"])
        report = driftreport_latest()
        if report is not None and report.psi_confidence is not None:
            drift.add_metric(["confidence"], report.psi_confidence)
            drift.add_metric(["class"], report.psi_class or 0.0)
        yield drift


def metrics_view(request):
    if settings.METRICS_TOKEN:
        supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(supplied.encode(), settings.METRICS_TOKEN.encode()):
            return HttpResponseForbidden("metrics need the bearer token", content_type="text/plain")
    elif settings.SECURE:
        # Production without a token: refuse rather than publish the counters to anyone.
        return HttpResponseForbidden("metrics are off: set METRICS_TOKEN and scrape with "
                                     "'Authorization: Bearer <token>'", content_type="text/plain")
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_metrics = CollectorRegistry()
        multiprocess.MultiProcessCollector(process_metrics)
    else:
        process_metrics = REGISTRY
    return HttpResponse(generate_latest(_Combined(process_metrics, DatabaseCollector())),
                        content_type=CONTENT_TYPE_LATEST)


class _Combined:
    def __init__(self, *parts) -> None:
        self.parts = parts

    def collect(self):
        for part in self.parts:
            yield from part.collect()
