"""Drift reports on a schedule (SPEC §6.6): the active version's training reference vs recent traffic."""

from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.utils import timezone

from mlcore.drift import drift_compare
from mlcore.models import DriftReport, Prediction, TrainingRun
from mlcore.pipeline import trainingrun_request
from mlcore.selectors import modelversion_active

logger = logging.getLogger(__name__)


def driftreport_compute(*, window_hours: int | None = None) -> DriftReport:
    """Store one report; a critical one queues a retraining run (unless one is already open)."""
    hours = window_hours or settings.SUPPORTLOOP_DRIFT_WINDOW_HOURS
    active = modelversion_active()
    reference = (active.metrics or {}).get("reference") if active else None
    base = {"model_version": active, "window_hours": hours}
    if reference is None:
        return DriftReport.objects.create(level=DriftReport.Level.INSUFFICIENT, details={"note": "no reference"},
                                          **base)
    rows = list(Prediction.objects.filter(model_version=active.version,
                                          created_at__gte=timezone.now() - timedelta(hours=hours))
                .values_list("category", "confidence", "sentiment"))
    n_reference = int(sum(reference["class_counts"]))
    if len(rows) < settings.SUPPORTLOOP_DRIFT_MIN_SAMPLES:
        return DriftReport.objects.create(level=DriftReport.Level.INSUFFICIENT, n_reference=n_reference,
                                          n_recent=len(rows), **base)
    result = drift_compare(
        reference=reference, predicted=[r[0] for r in rows], confidences=np.array([r[1] for r in rows]),
        sentiments=np.array([np.nan if r[2] is None else r[2] for r in rows], dtype=float),
    )
    report = DriftReport.objects.create(n_reference=n_reference, n_recent=len(rows), **result, **base)
    if report.level == DriftReport.Level.CRITICAL:
        logger.warning("critical drift for %s: PSI class %.3f, confidence %.3f", active.version,
                       report.psi_class or 0, report.psi_confidence)
        trainingrun_request(trigger=TrainingRun.Trigger.DRIFT,
                            reason=f"critical drift (report #{report.pk}: PSI class {report.psi_class or 0:.3f}, "
                                   f"confidence {report.psi_confidence:.3f})")
    return report
