"""Feedback's panel on the customer's ticket page (registered in FeedbackConfig.ready)."""

from __future__ import annotations

from feedback.forms import ExplicitFeedbackForm
from feedback.selectors import explicit_feedback_for

TEMPLATE = "feedback/_ticket_panel.html"


def ticket_panel_context(*, inquiry, answered: bool) -> dict:
    return {"feedback": explicit_feedback_for(inquiry=inquiry) if answered else None,
            "feedback_form": ExplicitFeedbackForm()}
