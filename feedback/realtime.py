"""Hints to the topics page that a clustering run changed; the page refetches its runs over HTTP."""

from __future__ import annotations

from core.realtime import hints_send_on_commit

TOPICS_GROUP = "admin-topics"


def clusterrun_changed_push(*, run_id: int) -> None:
    hints_send_on_commit(groups=[TOPICS_GROUP], payload={"run": run_id})
