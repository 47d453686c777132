"""Live training progress for the model page: a hint per change to the admins' websocket group.
Hints carry only the run's id; the page refetches its runs table (models:runs) over HTTP."""

from __future__ import annotations

from core.realtime import hints_send_on_commit

TRAINING_GROUP = "training-runs"


def trainingrun_push(*, run) -> None:
    """Something about `run` changed (status, stage, epoch, loss): throttled per run, after commit."""
    hints_send_on_commit(groups=[TRAINING_GROUP], payload={"run": run.pk}, key=str(run.pk))
