"""Shadow and canary rollouts (SPEC §6.5): start, evaluate stage by stage, halt, log shadow answers."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mlcore.canary import ArmStats, CanaryDecision, canary_decide
from mlcore.models import ModelVersion, Prediction, Rollout, ShadowPrediction
from mlcore.selectors import modelversion_active, rollout_running
from mlcore.services import PromotionError, bundle_integrity_check, modelversion_promote
from mlcore.swap import model_change_announce_on_commit

logger = logging.getLogger(__name__)


def rollout_start(*, version: str, mode: str, actor=None) -> Rollout:
    """Start a shadow or canary rollout of a candidate; one rollout runs at a time."""
    if mode not in Rollout.Mode.values:
        raise PromotionError(f"mode must be one of {', '.join(Rollout.Mode.values)}")
    unlocked = ModelVersion.objects.filter(version=version).first()
    if unlocked is not None and unlocked.status not in (ModelVersion.Status.ACTIVE, ModelVersion.Status.REJECTED):
        bundle_integrity_check(mv=unlocked)  # outside the transaction, as in modelversion_promote
    with transaction.atomic():
        candidate = ModelVersion.objects.select_for_update().filter(version=version).first()
        if candidate is None:
            raise PromotionError(f"no model version {version!r}")
        if candidate.status in (ModelVersion.Status.ACTIVE, ModelVersion.Status.REJECTED):
            raise PromotionError(f"{version} is {candidate.status}; only a candidate or retired version can roll out")
        running = rollout_running()
        if running is not None:
            raise PromotionError(f"a {running.mode} rollout of {running.candidate.version} is running; halt it first")
        active = modelversion_active()
        if active is None:
            raise PromotionError("no active version to compare with; promote instead")
        fraction = min(settings.SUPPORTLOOP_CANARY_STAGES) if mode == Rollout.Mode.CANARY else 0.0
        rollout = Rollout.objects.create(
            candidate=candidate, baseline=active, mode=mode, fraction=fraction, stage_started_at=timezone.now(),
            created_by=actor, history=[{"at": timezone.now().isoformat(), "action": "start", "fraction": fraction}],
        )
        model_change_announce_on_commit(version=version, event=f"{mode}-start")
    return rollout


def rollout_halt(*, reason: str, actor=None) -> Rollout:
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().filter(status=Rollout.Status.RUNNING).first()
        if rollout is None:
            raise PromotionError("no rollout is running")
        _finish(rollout=rollout, status=Rollout.Status.HALTED, reason=reason + (f" (by {actor})" if actor else ""))
    return rollout


def _finish(*, rollout: Rollout, status: str, reason: str) -> None:
    rollout.status, rollout.reason, rollout.finished_at = status, reason, timezone.now()
    if status == Rollout.Status.HALTED:
        rollout.fraction = 0.0
    rollout.history = [*rollout.history, {"at": timezone.now().isoformat(), "action": status, "reason": reason}]
    rollout.save(update_fields=["status", "reason", "finished_at", "fraction", "history"])
    model_change_announce_on_commit(version=rollout.candidate.version, event=f"rollout-{status}")


def rollout_arm_stats(*, rollout: Rollout, version: str) -> ArmStats:
    """One arm's predictions and their explicit feedback since the current stage began."""
    rows = Prediction.objects.filter(model_version=version, created_at__gte=rollout.stage_started_at) \
        .values_list("escalated", "feedback_score")
    n = escalated = 0
    scores = []
    for was_escalated, score in rows.iterator():
        n += 1
        escalated += was_escalated
        if score is not None:
            scores.append(score)
    return ArmStats(n=n, escalated=escalated, feedback_n=len(scores), feedback_sum=float(sum(scores)))


def rollout_evaluate() -> CanaryDecision | None:
    """Decide on the running canary (beat, every minute): advance a stage, hold, halt or promote."""
    with transaction.atomic():
        rollout = Rollout.objects.select_for_update().filter(status=Rollout.Status.RUNNING).first()
        if rollout is None or rollout.mode != Rollout.Mode.CANARY:
            return None
        active = modelversion_active()
        canary = rollout_arm_stats(rollout=rollout, version=rollout.candidate.version)
        baseline = rollout_arm_stats(rollout=rollout, version=active.version) if active else ArmStats(0, 0)
        decision = canary_decide(
            stages=settings.SUPPORTLOOP_CANARY_STAGES, fraction=rollout.fraction, canary=canary, active=baseline,
            stage_seconds=(timezone.now() - rollout.stage_started_at).total_seconds(),
            min_samples=settings.SUPPORTLOOP_CANARY_MIN_SAMPLES,
            min_stage_seconds=settings.SUPPORTLOOP_CANARY_MIN_STAGE_SECONDS,
            escalation_tolerance=settings.SUPPORTLOOP_CANARY_ESCALATION_TOLERANCE,
            feedback_tolerance=settings.SUPPORTLOOP_CANARY_FEEDBACK_TOLERANCE,
        )
        if decision.action == "hold":
            return decision
        logger.info("canary %s: %s (%s)", rollout.candidate.version, decision.action, decision.reason)
        if decision.action == "halt":
            _finish(rollout=rollout, status=Rollout.Status.HALTED, reason=decision.reason)
        elif decision.action == "complete":
            modelversion_promote(version=rollout.candidate.version)  # completes the rollout row too
        else:
            rollout.fraction, rollout.stage_started_at = decision.fraction, timezone.now()
            rollout.history = [*rollout.history, {"at": timezone.now().isoformat(), "action": "advance",
                                                  "fraction": decision.fraction, "reason": decision.reason}]
            rollout.save(update_fields=["fraction", "stage_started_at", "history"])
            model_change_announce_on_commit(version=rollout.candidate.version, event="canary-advance")
    return decision


def shadowprediction_record(*, ref: str, served_category: str, version: str, category: str, confidence: float,
                            escalated: bool, latency_ms: float) -> ShadowPrediction | None:
    rollout = rollout_running()
    if rollout is None or rollout.candidate.version != version:
        return None  # the rollout ended while this request ran
    return ShadowPrediction.objects.create(
        ref=ref, rollout=rollout, model_version=version, category=category, confidence=confidence,
        escalated=escalated, agrees=category == served_category, latency_ms=latency_ms,
    )
