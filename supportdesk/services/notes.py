"""Internal notes: staff-only messages on a ticket. A note is never a reply: it is not mailed, does
not count as a first response, does not change the status and is never shown to the customer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.roles import AGENT, user_has_role
from supportdesk.forms import MAX_TEXT
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.realtime import ticket_changed_push

NOTE_STATUSES = (Inquiry.Status.ESCALATED, Inquiry.Status.ASSIGNED, Inquiry.Status.RESOLVED)


class NoteConflict(Exception):
    """The ticket does not take notes (gone, or never escalated to a person)."""


def ticket_note_add(*, inquiry_id: int, agent, body: str) -> TicketMessage:
    """Any agent, on an open or a closed ticket, whoever holds it."""
    if not user_has_role(agent, AGENT):
        raise PermissionDenied("notes are for agents")
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError("the note is empty")
    if len(body) > MAX_TEXT:
        raise ValidationError(f"the note is {len(body)} characters long; the limit is {MAX_TEXT}")
    with transaction.atomic():
        inquiry = Inquiry.objects.filter(pk=inquiry_id).only("pk", "status").first()
        if inquiry is None:
            raise NoteConflict("no such ticket")
        if inquiry.status not in NOTE_STATUSES:
            raise NoteConflict("only tickets handed to a person take notes")
        note = TicketMessage.objects.create(inquiry_id=inquiry_id, author_kind=TicketMessage.Author.NOTE,
                                            author=agent, body=body)
        # Other agents' pages refresh; the queue's order and the customer's page do not change.
        ticket_changed_push(inquiry_id=inquiry_id, queue=False)
    return note
