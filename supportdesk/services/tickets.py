"""Agent actions on escalated tickets (SPEC §3.5). Every transition is logged with its actor."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.roles import ADMIN, AGENT, user_has_role
from mlcore.predictions import prediction_confirm
from mlcore.services import trainingexample_record
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.realtime import ticket_changed_push
from supportdesk.selectors import category_choices
from supportdesk.services.intake import inquiry_transition
from supportdesk.services.mail import ticket_mail_queue

S = Inquiry.Status


class TicketConflict(Exception):
    """The ticket is not in a state that allows the action (claimed by someone else, resolved...)."""


def _locked(inquiry_id: int) -> Inquiry:
    try:
        return Inquiry.objects.select_for_update().get(pk=inquiry_id)
    except Inquiry.DoesNotExist as exc:
        raise TicketConflict("no such ticket") from exc


def _require_holder(inquiry: Inquiry, user) -> None:
    if inquiry.status != S.ASSIGNED:
        raise TicketConflict("claim the ticket first")
    if inquiry.assigned_to_id != user.pk and not user_has_role(user, ADMIN):
        raise PermissionDenied("this ticket is assigned to someone else")


def ticket_claim(*, inquiry_id: int, agent) -> Inquiry:
    """Atomic compare-and-set: of two agents clicking at the same instant, exactly one wins."""
    with transaction.atomic():
        won = Inquiry.objects.filter(pk=inquiry_id, status=S.ESCALATED, assigned_to__isnull=True).update(
            status=S.ASSIGNED, assigned_to=agent, updated_at=timezone.now()
        )
        if not won:
            raise TicketConflict("this ticket was already claimed or is not waiting")
        inquiry = Inquiry.objects.get(pk=inquiry_id)
        inquiry.events.create(from_status=S.ESCALATED, to_status=S.ASSIGNED, actor=agent, reason="claimed")
        ticket_changed_push(inquiry_id=inquiry_id)
    return inquiry


def ticket_unclaim(*, inquiry_id: int, agent) -> Inquiry:
    with transaction.atomic():
        inquiry = _locked(inquiry_id)
        _require_holder(inquiry, agent)
        inquiry.assigned_to = None
        inquiry.save(update_fields=["assigned_to", "updated_at"])
        inquiry_transition(inquiry=inquiry, to_status=S.ESCALATED, actor=agent, reason="unclaimed")
        ticket_changed_push(inquiry_id=inquiry_id)
    return inquiry


def ticket_reassign(*, inquiry_id: int, actor, to_agent) -> Inquiry:
    if not user_has_role(to_agent, AGENT):
        raise ValidationError(f"{to_agent.get_username()} is not an agent")
    with transaction.atomic():
        inquiry = _locked(inquiry_id)
        if inquiry.status not in (S.ESCALATED, S.ASSIGNED):
            raise TicketConflict("only open tickets can be reassigned")
        if inquiry.status == S.ASSIGNED:
            _require_holder(inquiry, actor)
        elif not user_has_role(actor, ADMIN):
            raise PermissionDenied("claim the ticket first, or ask an admin")
        inquiry.assigned_to = to_agent
        inquiry.save(update_fields=["assigned_to", "updated_at"])
        inquiry_transition(inquiry=inquiry, to_status=S.ASSIGNED, actor=actor,
                           reason=f"reassigned to {to_agent.get_username()}")
        ticket_changed_push(inquiry_id=inquiry_id)
    return inquiry


def ticket_reply(*, inquiry_id: int, agent, body: str) -> TicketMessage:
    body = body.strip()
    if not body:
        raise ValidationError("the reply is empty")
    with transaction.atomic():
        inquiry = _locked(inquiry_id)
        _require_holder(inquiry, agent)
        message = TicketMessage.objects.create(inquiry=inquiry, author_kind=TicketMessage.Author.AGENT,
                                               author=agent, body=body)
        fields = ["updated_at"]
        if inquiry.first_response_at is None:
            inquiry.first_response_at = message.created_at
            fields.append("first_response_at")
        inquiry.save(update_fields=fields)
        ticket_mail_queue(inquiry=inquiry, kind="reply", message_id=message.pk)
        ticket_changed_push(inquiry_id=inquiry_id)  # the queue too: the ticket now waits on the customer
    return message


def ticket_category_set(*, inquiry_id: int, agent, category: str) -> Inquiry:
    """Confirm or correct the category; it becomes a training label with source "agent"."""
    if category not in category_choices():
        raise ValidationError(f"unknown category {category!r}")
    with transaction.atomic():
        inquiry = _locked(inquiry_id)
        _require_holder(inquiry, agent)
        inquiry.confirmed_category = category
        inquiry.save(update_fields=["confirmed_category", "updated_at"])
        verb = "confirmed" if category == inquiry.category else f"corrected from {inquiry.category or '-'}"
        inquiry.events.create(from_status=inquiry.status, to_status=inquiry.status, actor=agent,
                              reason=f"category {category} {verb}")
        trainingexample_record(text=inquiry.text, category=category, source="agent")
        prediction_confirm(ref=str(inquiry.pk), category=category)
    return inquiry


def ticket_resolve(*, inquiry_id: int, agent) -> Inquiry:
    with transaction.atomic():
        inquiry = _locked(inquiry_id)
        _require_holder(inquiry, agent)
        if not inquiry.messages.filter(author_kind=TicketMessage.Author.AGENT).exists():
            raise TicketConflict("reply to the customer before resolving")
        inquiry.resolved_at = timezone.now()
        inquiry.save(update_fields=["resolved_at", "updated_at"])
        inquiry_transition(inquiry=inquiry, to_status=S.RESOLVED, actor=agent, reason="resolved")
        ticket_mail_queue(inquiry=inquiry, kind="resolved")
        ticket_changed_push(inquiry_id=inquiry_id)
    return inquiry
