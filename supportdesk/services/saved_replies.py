"""Saved replies: canned answers shared by the team, managed by agents and admins."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError

from core.roles import ADMIN, AGENT, user_has_role
from supportdesk.forms import MAX_TEXT
from supportdesk.models import SavedReply

TITLE_MAX = SavedReply._meta.get_field("title").max_length


def _require_manager(user) -> None:
    if not (user_has_role(user, AGENT) or user_has_role(user, ADMIN)):
        raise PermissionDenied("saved replies are managed by agents and admins")


def _clean(*, title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not title:
        errors["title"] = "give the reply a title"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"the title is longer than {TITLE_MAX} characters"
    if not body:
        errors["body"] = "the reply is empty"
    elif len(body) > MAX_TEXT:
        errors["body"] = f"the reply is {len(body)} characters long; the limit is {MAX_TEXT}"
    if errors:
        raise ValidationError(errors)
    return title, body


def saved_reply_create(*, user, title: str, body: str) -> SavedReply:
    _require_manager(user)
    title, body = _clean(title=title, body=body)
    return SavedReply.objects.create(title=title, body=body, created_by=user)


def saved_reply_update(*, user, saved_reply_id: int, title: str, body: str) -> SavedReply:
    _require_manager(user)
    title, body = _clean(title=title, body=body)
    reply = SavedReply.objects.filter(pk=saved_reply_id).first()
    if reply is None:
        raise SavedReply.DoesNotExist("no such saved reply")
    reply.title, reply.body = title, body
    reply.save(update_fields=["title", "body", "updated_at"])
    return reply


def saved_reply_delete(*, user, saved_reply_id: int) -> bool:
    """True when it was deleted now (False: already gone)."""
    _require_manager(user)
    deleted, _ = SavedReply.objects.filter(pk=saved_reply_id).delete()
    return bool(deleted)
