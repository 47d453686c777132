"""Hints to labeling pages that the queue changed; the page refetches its counts over HTTP."""

from __future__ import annotations

from core.realtime import hints_send_on_commit

LABELING_QUEUE_GROUP = "labeling-queue"


def queue_changed_push() -> None:
    hints_send_on_commit(groups=[LABELING_QUEUE_GROUP], payload={"ticket": None})
