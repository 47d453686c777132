"""What the customer's ticket page says, in plain words. Pure; no Django.

Customers see what happens next, never model internals: no confidence, category code, model
version or escalation reason (agents keep seeing all of them on their own pages)."""

from __future__ import annotations

import math
from datetime import timedelta

# Inquiry.Status values (a test keeps them in step with the model).
CUSTOMER_STATUS = {
    "received": "Received",
    "answered_auto": "Answered",
    "escalated": "Waiting for our team",
    "assigned": "An agent is on it",
    "resolved": "Resolved",
}

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
HOURS_MAX = timedelta(hours=12)  # longer than this, up to a day, reads "within a day"


def customer_status_label(*, status: str) -> str:
    return CUSTOMER_STATUS.get(status, CUSTOMER_STATUS["received"])


def reply_estimate_text(*, estimate: timedelta) -> str:
    """"usually within an hour", "… within 5 hours", "… within a day", "… within 3 days".

    Always rounded up (a reply sooner than promised, never later): up to an hour, whole hours up to
    12, then a day, then whole days."""
    if estimate <= HOUR:
        return "usually within an hour"
    if estimate <= HOURS_MAX:
        return f"usually within {math.ceil(estimate / HOUR)} hours"
    if estimate <= DAY:
        return "usually within a day"
    return f"usually within {math.ceil(estimate / DAY)} days"
