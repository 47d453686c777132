"""Live training progress for the model page: a hint per change over the admins' websocket group."""

from __future__ import annotations

from core.realtime import hints_send_on_commit

TRAINING_GROUP = "training-runs"


def trainingrun_payload(run) -> dict:
    return {
        "id": run.pk, "status": run.status, "stage": run.stage, "epoch": run.epoch, "epochs": run.epochs,
        "loss": run.loss, "decision": run.decision, "error": run.error[:300],
        "version": run.model_version.version if run.model_version_id and run.model_version else None,
    }


def trainingrun_push(*, run) -> None:
    payload = {"run": trainingrun_payload(run)}
    hints_send_on_commit(groups=[TRAINING_GROUP], payload=payload, key=str(run.pk))
