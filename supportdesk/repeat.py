"""The repeat-contact rule (SPEC §3.3): the same email has another ticket open, or closed within N days.

Pure; no Django. The selectors read the earlier tickets (supportdesk.selectors.inquiry_repeat_contact)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

# Inquiry.Status values (a test keeps them in step with the model).
OPEN_STATUSES = ("received", "escalated", "assigned")
RESOLVED = "resolved"
ANSWERED_AUTO = "answered_auto"


@dataclass(frozen=True)
class EarlierTicket:
    """Another ticket of the same email: its status and when it was closed (None while open)."""

    status: str
    closed_at: datetime | None = None


def earlier_ticket_build(*, status: str, resolved_at: datetime | None, updated_at: datetime) -> EarlierTicket:
    """A resolved ticket closed at resolved_at (or updated_at when that is missing); an automatically
    answered one at updated_at; any other ticket is open."""
    if status == RESOLVED:
        return EarlierTicket(status=status, closed_at=resolved_at or updated_at)
    if status == ANSWERED_AUTO:
        return EarlierTicket(status=status, closed_at=updated_at)
    return EarlierTicket(status=status, closed_at=None)


def earlier_ticket_counts(*, ticket: EarlierTicket, now: datetime, window: timedelta) -> bool:
    """Open, or closed at most `window` before `now` (exactly `window` ago still counts)."""
    if ticket.status in OPEN_STATUSES:
        return True
    if ticket.status in (RESOLVED, ANSWERED_AUTO) and ticket.closed_at is not None:
        return now - ticket.closed_at <= window
    return False


def repeat_contact_detect(*, earlier: Sequence[EarlierTicket], now: datetime, window: timedelta) -> bool:
    """True when any earlier ticket of the same customer is still open or was closed within the window."""
    return any(earlier_ticket_counts(ticket=t, now=now, window=window) for t in earlier)
