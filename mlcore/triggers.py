"""When to retrain (SPEC §6.3). `retrain_reasons` is the pure rule; `retrain_check` gathers the
facts and queues one run (the beat task calls it every few minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from mlcore.audit import audit_accuracy
from mlcore.models import DriftReport, ModelVersion, Prediction, TrainingExample, TrainingRun
from mlcore.pipeline import trainingrun_request
from mlcore.selectors import newcategories_progress


@dataclass(frozen=True)
class Facts:
    new_gold: int
    drift_critical: bool
    corrections: int
    corrections_accuracy: float | None
    reference_accuracy: float | None
    hours_since_last: float | None  # since the last run, or the active version's creation; None: neither
    # New categories (NewCategory) with enough gold labels that the active version does not predict yet and
    # that got a gold label since the last run (so a run that could not include one does not repeat forever).
    categories_ready: tuple[str, ...] = ()
    # The production audit (mlcore.audit): the active version's automatic answers labeled blind since the last
    # run, and the share of them it got right (None: none audited).
    audited: int = 0
    audited_accuracy: float | None = None


def retrain_reasons(*, facts: Facts, gold_threshold: int, corrections_min: int, accuracy_min: float,
                    drop_max: float, every_hours: float, audit_min_samples: int = 30,
                    audit_accuracy_min: float = 0.8) -> list[tuple[str, str]]:
    T = TrainingRun.Trigger
    reasons = []
    if facts.new_gold >= gold_threshold:
        reasons.append((T.GOLD_LABELS, f"{facts.new_gold} new gold labels (threshold {gold_threshold})"))
    if facts.drift_critical:
        reasons.append((T.DRIFT, "critical drift"))
    if facts.corrections >= corrections_min and facts.corrections_accuracy is not None:
        acc = facts.corrections_accuracy
        if acc < accuracy_min:
            reasons.append((T.ACCURACY,
                            f"accuracy {acc:.3f} on {facts.corrections} agent corrections < {accuracy_min}"))
        elif facts.reference_accuracy is not None and facts.reference_accuracy - acc > drop_max:
            reasons.append((T.ACCURACY, f"accuracy on agent corrections dropped {facts.reference_accuracy:.3f} → "
                                        f"{acc:.3f} (more than {drop_max})"))
    audited = facts.audited_accuracy
    if facts.audited >= audit_min_samples and audited is not None and audited < audit_accuracy_min:
        reasons.append((T.ACCURACY, f"audited accuracy {audited:.3f} of automatic answers on "
                                    f"{facts.audited} audits < {audit_accuracy_min}"))
    if facts.categories_ready:
        reasons.append((T.GOLD_LABELS, f"new categor{'ies' if len(facts.categories_ready) > 1 else 'y'} "
                                       f"{', '.join(facts.categories_ready)} reached enough gold labels to learn"))
    if every_hours > 0 and facts.hours_since_last is not None and facts.hours_since_last >= every_hours:
        reasons.append((T.SCHEDULE,
                        f"{facts.hours_since_last:.0f} h since the last training (every {every_hours:g} h)"))
    return reasons


def _last_run_at() -> datetime | None:
    S = TrainingRun.Status
    last = TrainingRun.objects.filter(status__in=[S.SUCCEEDED, S.REJECTED, S.SKIPPED]).order_by("-created_at").first()
    return last.created_at if last else None


def retrain_facts(*, now: datetime | None = None) -> Facts:
    now = now or timezone.now()
    last = _last_run_at()
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()
    since = last or (active.created_at if active else None)
    gold = TrainingExample.objects.filter(source=TrainingExample.Source.GOLD)
    new_gold = (gold.filter(created_at__gt=since) if since else gold).count()
    drift = DriftReport.objects.filter(level=DriftReport.Level.CRITICAL)
    drift_critical = (drift.filter(created_at__gt=since) if since else drift).exists()
    corrections, acc, ref, audit = 0, None, None, None
    if active is not None:
        # Only corrections newer than the last run: the next check does not fire again on the same evidence.
        start = max(t for t in (active.promoted_at, last, active.created_at) if t is not None)
        rows = list(Prediction.objects.filter(model_version=active.version, confirmed_at__gt=start)
                    .exclude(confirmed_category="").values_list("category", "confirmed_category"))
        corrections = len(rows)
        acc = sum(a == b for a, b in rows) / corrections if corrections else None
        ref = (active.metrics.get("heldout") or {}).get("accuracy") or active.metrics.get("accuracy")
        audit = audit_accuracy(version=active.version, since=start)
    hours = (now - since).total_seconds() / 3600 if since else None
    known = set(active.labels) if active else set()
    trainable = [p.name for p in newcategories_progress() if p.trainable and p.name not in known]
    fresh = set((gold.filter(created_at__gt=since) if since else gold).filter(category__in=trainable)
                .values_list("category", flat=True).distinct()) if trainable else set()
    return Facts(new_gold=new_gold, drift_critical=drift_critical, corrections=corrections,
                 corrections_accuracy=acc, reference_accuracy=ref, hours_since_last=hours,
                 categories_ready=tuple(sorted(fresh)), audited=audit.n if audit else 0,
                 audited_accuracy=audit.accuracy if audit else None)


def retrain_check(*, now: datetime | None = None) -> TrainingRun | None:
    if TrainingRun.objects.filter(status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]).exists():
        return None
    reasons = retrain_reasons(
        facts=retrain_facts(now=now), gold_threshold=settings.SUPPORTLOOP_RETRAIN_GOLD_LABELS,
        corrections_min=settings.SUPPORTLOOP_CORRECTIONS_MIN,
        accuracy_min=settings.SUPPORTLOOP_CORRECTIONS_ACCURACY_MIN,
        drop_max=settings.SUPPORTLOOP_CORRECTIONS_DROP_MAX, every_hours=settings.SUPPORTLOOP_RETRAIN_EVERY_HOURS,
        audit_min_samples=settings.SUPPORTLOOP_AUDIT_MIN_SAMPLES,
        audit_accuracy_min=settings.SUPPORTLOOP_AUDIT_ACCURACY_MIN,
    )
    if not reasons:
        return None
    run, _ = trainingrun_request(trigger=reasons[0][0], reason="; ".join(r for _, r in reasons))
    return run


