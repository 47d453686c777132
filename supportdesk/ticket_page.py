"""The customer's ticket page. Other apps add panels to it by registering them in their
AppConfig.ready() (feedback adds its form), so the support desk imports none of them.

Every response of the page, its fragment and the forms posted from it goes through
`ticket_page_response`, which sets the page's private headers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404, HttpResponse
from django.shortcuts import render

from supportdesk.forms import FollowUpForm
from supportdesk.models import Inquiry
from supportdesk.selectors import inquiry_get_by_token, reply_estimate_get, ticket_messages_public
from supportdesk.wording import customer_next_step, customer_status_label, reply_estimate_text


@dataclass(frozen=True)
class TicketPanel:
    template: str
    context: Callable[..., dict]  # (*, inquiry, answered) -> the panel's context entries


_panels: list[TicketPanel] = []


def ticket_panel_register(*, template: str, context: Callable[..., dict]) -> None:
    panel = TicketPanel(template=template, context=context)
    if panel not in _panels:
        _panels.append(panel)


def ticket_get_or_404(*, token: str) -> Inquiry:
    inquiry = inquiry_get_by_token(token=token)
    if inquiry is None:
        raise Http404("No such ticket.")
    return inquiry


def ticket_page_context(*, inquiry: Inquiry, overrides: dict | None = None) -> dict:
    # Plain words only: no category, confidence, model version or escalation reason (those are for agents).
    messages_list = ticket_messages_public(inquiry=inquiry)  # never the staff's internal notes
    answered = bool(inquiry.answer) or any(m.author_kind == "agent" for m in messages_list)
    waiting = inquiry.status == Inquiry.Status.ESCALATED
    estimate = reply_estimate_text(estimate=reply_estimate_get()) if waiting else ""
    context = {"inquiry": inquiry, "messages_list": messages_list,
               "status_label": customer_status_label(status=inquiry.status), "reply_estimate": estimate,
               "next_step": customer_next_step(status=inquiry.status, answered=answered, estimate=estimate),
               "follow_up_form": FollowUpForm(), "answered": answered,
               "panel_templates": [p.template for p in _panels]}
    for panel in _panels:
        context.update(panel.context(inquiry=inquiry, answered=answered))
    context.update(overrides or {})
    return context


def ticket_page_response(*, request, inquiry: Inquiry, template: str = "supportdesk/ticket.html",
                         status: int = 200, overrides: dict | None = None) -> HttpResponse:
    context = ticket_page_context(inquiry=inquiry, overrides=overrides)
    response = render(request, template, context, status=status)
    response["X-Model-Version"] = inquiry.model_version or "none"
    # The URL is the customer's secret: never sent to other sites. ("no-referrer" would make
    # browsers send "Origin: null" with the follow-up form, which CSRF protection rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response
