"""Hints to labeling pages that the queue changed; the page refetches its counts over HTTP."""

from __future__ import annotations

from django.db import transaction

from supportdesk.realtime import hints_send

LABELING_QUEUE_GROUP = "labeling-queue"


def queue_changed_push() -> None:
    transaction.on_commit(lambda: hints_send(groups=[LABELING_QUEUE_GROUP], payload={"ticket": None}))
