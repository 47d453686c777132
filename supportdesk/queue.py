"""The agent queue's querystring: view, filters, search and a signed keyset cursor (issue #14).

The same parameters drive the console (/agent/?view=...) and the API (/api/agent/queue/?view=...),
so a live refresh that carries the querystring keeps the agent's view."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlencode

from django.core import signing
from django.utils.dateparse import parse_datetime

from supportdesk import rules

VIEWS = {
    "open": "All open",
    "mine": "Mine",
    "unassigned": "Unassigned",
    "waiting": "Waiting on customer",
    "resolved": "Resolved",
}
# Every reason a ticket can carry: the rules' plus intake's no_answer and follow_up (a test keeps them in step).
REASONS = (*rules.ALL_REASONS, "no_answer", "follow_up")
PAGE_SIZE = 50
MAX_QUERY = 200
MAX_CATEGORY = 64
_CURSOR_SALT = "supportdesk.agent-queue.cursor"
_NUMBER = re.compile(r"#?(\d{1,12})")


class QueueParamsError(ValueError):
    """A bad view, filter, search or cursor: the caller answers 400 with this message."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts in the queue's order and the time the first page was read at, so
    every page of one listing agrees on which tickets breach. Open views go breached first, most upset,
    oldest (`at` is created_at); the resolved view goes most recently resolved first (`at` is resolved_at)."""

    now: datetime
    breached: int
    upset: float
    at: datetime
    pk: int


@dataclass(frozen=True)
class QueueParams:
    view: str = "open"
    category: str = ""
    reason: str = ""
    q: str = ""
    cursor: Cursor | None = None

    def querystring(self, *, cursor_token: str = "", **changes) -> str:
        """This listing's querystring with `changes` (cursor=None: the first page; cursor_token: a page's
        next_cursor, already encoded)."""
        params = replace(self, **changes)
        cursor = cursor_token or (cursor_encode(params.cursor) if params.cursor else "")
        pairs = [("view", params.view if params.view != "open" else ""), ("category", params.category),
                 ("reason", params.reason), ("q", params.q), ("cursor", cursor)]
        return urlencode([(k, v) for k, v in pairs if v])

    @property
    def number(self) -> int | None:
        """The ticket number searched for ("#123" or "123"), if the search is one."""
        match = _NUMBER.fullmatch(self.q)
        return int(match.group(1)) if match else None


def cursor_encode(cursor: Cursor) -> str:
    return signing.dumps([cursor.now.isoformat(), cursor.breached, cursor.upset, cursor.at.isoformat(),
                          cursor.pk], salt=_CURSOR_SALT)


def cursor_decode(value: str) -> Cursor:
    try:
        now, breached, upset, at, pk = signing.loads(value, salt=_CURSOR_SALT)
        cursor = Cursor(now=parse_datetime(now), breached=int(breached), upset=float(upset), at=parse_datetime(at),
                        pk=int(pk))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise QueueParamsError("cursor", "not a cursor from this queue; start from the first page") from exc
    if cursor.now is None or cursor.at is None:
        raise QueueParamsError("cursor", "not a cursor from this queue; start from the first page")
    return cursor


def _one(data: Mapping, key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise QueueParamsError(key, "must be a string")
    if "\x00" in value:
        raise QueueParamsError(key, "must not contain NUL characters")
    return value.strip()


def queue_params_parse(*, data: Mapping) -> QueueParams:
    """Validate a querystring (a QueryDict or a plain dict); raises QueueParamsError."""
    view = _one(data, "view") or "open"
    if view not in VIEWS:
        raise QueueParamsError("view", f"one of {', '.join(VIEWS)}")
    category = _one(data, "category")
    if len(category) > MAX_CATEGORY:
        raise QueueParamsError("category", f"at most {MAX_CATEGORY} characters")
    reason = _one(data, "reason")
    if reason and reason not in REASONS:
        raise QueueParamsError("reason", f"one of {', '.join(REASONS)}")
    q = " ".join(_one(data, "q").split())
    if len(q) > MAX_QUERY:
        raise QueueParamsError("q", f"at most {MAX_QUERY} characters")
    raw_cursor = _one(data, "cursor")
    return QueueParams(view=view, category=category, reason=reason, q=q,
                       cursor=cursor_decode(raw_cursor) if raw_cursor else None)


def queue_tabs(*, params: QueueParams, counts: Mapping[str, int]) -> list[dict]:
    """The view tabs with their counts; switching view keeps the filters and search, not the cursor."""
    return [{"view": key, "label": label, "count": counts.get(key, 0), "current": key == params.view,
             "query": params.querystring(view=key, cursor=None)} for key, label in VIEWS.items()]
