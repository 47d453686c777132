"""The support desk's live groups: the agents' queue and one group per ticket."""

from __future__ import annotations

from core.realtime import hints_send_on_commit

AGENT_QUEUE_GROUP = "agent-queue"


def ticket_group(inquiry_id: int) -> str:
    return f"ticket-{inquiry_id}"


def ticket_changed_push(*, inquiry_id: int, queue: bool = True, ticket: bool = True) -> None:
    """ticket=False for a ticket nobody can be watching yet (its creation)."""
    groups = ([ticket_group(inquiry_id)] if ticket else []) + ([AGENT_QUEUE_GROUP] if queue else [])
    hints_send_on_commit(groups=groups, payload={"ticket": inquiry_id})
