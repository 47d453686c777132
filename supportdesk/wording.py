"""What the customer's ticket page says, in plain words. Pure; no Django.

Customers see what happens next, never model internals: no confidence, category code, model
version or escalation reason (agents keep seeing all of them on their own pages)."""

from __future__ import annotations

import math
from dataclasses import dataclass
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


# What happens next, per status: (heading, text). "{estimate}" is reply_estimate_text's words.
NEXT_STEPS = {
    "received": ("We have your message", "We are reading it now. This page updates by itself."),
    "answered_auto": ("", "This answer was picked from our help articles. If it doesn't solve your problem, "
                          "write below and a person will take over."),
    "escalated": ("A person will answer", "A member of our support team will reply here, {estimate}."),
    "assigned": ("A person will answer", "An agent is working on your ticket. Their reply will appear here."),
    "resolved": ("Resolved", "This ticket is resolved. Write below if you need more help."),
}
ASSIGNED_REPLIED = "An agent is working on your ticket. Write below if you have anything to add."
# The feedback prompt's heading, for the statuses that ask for feedback.
FEEDBACK_PROMPTS = {"answered_auto": "Was this helpful?", "resolved": "Tell us how we did"}


@dataclass(frozen=True)
class NextStep:
    heading: str
    text: str
    feedback_prompt: str  # "" when the page asks for no feedback (yet)


def customer_next_step(*, status: str, answered: bool, estimate: str = "") -> NextStep:
    """What the page tells the customer will happen next. `answered`: an answer or an agent's reply
    is on the page. Feedback is asked for an automatic answer and once the ticket is resolved, not
    while a person is still on it."""
    status = status if status in NEXT_STEPS else "received"
    heading, text = NEXT_STEPS[status]
    if status == "assigned" and answered:
        text = ASSIGNED_REPLIED
    text = text.format(estimate=estimate or "as soon as they can")
    prompt = FEEDBACK_PROMPTS.get(status, "") if answered else ""
    return NextStep(heading=heading, text=text, feedback_prompt=prompt)
