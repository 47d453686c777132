from datetime import UTC, datetime, timedelta

import pytest

from supportdesk import repeat
from supportdesk.models import Inquiry
from supportdesk.repeat import EarlierTicket, earlier_ticket_build, earlier_ticket_counts, repeat_contact_detect

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)


def detect(*tickets: EarlierTicket) -> bool:
    return repeat_contact_detect(earlier=list(tickets), now=NOW, window=WEEK)


def test_no_earlier_ticket_is_not_a_repeat():
    assert detect() is False


@pytest.mark.parametrize("status", ["received", "escalated", "assigned"])
def test_an_open_ticket_is_a_repeat_however_old(status):
    assert detect(EarlierTicket(status=status)) is True
    assert detect(EarlierTicket(status=status, closed_at=NOW - timedelta(days=365))) is True


@pytest.mark.parametrize("status", ["resolved", "answered_auto"])
@pytest.mark.parametrize(("ago", "fires"), [
    (timedelta(0), True),
    (timedelta(days=6), True),
    (WEEK - TICK, True),
    (WEEK, True),  # exactly the window ago still counts
    (WEEK + TICK, False),
    (timedelta(days=8), False),
])
def test_closed_ticket_counts_within_the_window_inclusive(status, ago, fires):
    assert detect(EarlierTicket(status=status, closed_at=NOW - ago)) is fires


def test_a_closed_ticket_without_a_closing_time_does_not_count():
    assert detect(EarlierTicket(status="resolved", closed_at=None)) is False


def test_an_unknown_status_does_not_count():
    assert detect(EarlierTicket(status="archived", closed_at=NOW)) is False


def test_any_one_counting_ticket_is_enough():
    old = EarlierTicket(status="resolved", closed_at=NOW - timedelta(days=30))
    assert detect(old, old) is False
    assert detect(old, EarlierTicket(status="answered_auto", closed_at=NOW - timedelta(days=1)), old) is True


def test_resolved_closes_at_resolved_at_else_at_updated_at():
    resolved, updated = NOW - timedelta(days=10), NOW - timedelta(days=1)
    ticket = earlier_ticket_build(status="resolved", resolved_at=resolved, updated_at=updated)
    assert ticket == EarlierTicket(status="resolved", closed_at=resolved)
    assert earlier_ticket_counts(ticket=ticket, now=NOW, window=WEEK) is False
    fallback = earlier_ticket_build(status="resolved", resolved_at=None, updated_at=updated)
    assert fallback.closed_at == updated
    assert earlier_ticket_counts(ticket=fallback, now=NOW, window=WEEK) is True


def test_answered_auto_closes_at_updated_at_and_open_tickets_are_not_closed():
    updated = NOW - timedelta(days=2)
    stale = NOW - timedelta(days=20)  # a resolved_at left over from before a reopening
    assert earlier_ticket_build(status="answered_auto", resolved_at=None, updated_at=updated).closed_at == updated
    reopened = earlier_ticket_build(status="escalated", resolved_at=stale, updated_at=stale)
    assert reopened.closed_at is None
    assert earlier_ticket_counts(ticket=reopened, now=NOW, window=WEEK) is True


def test_the_window_is_a_parameter():
    ticket = EarlierTicket(status="resolved", closed_at=NOW - timedelta(days=2))
    assert repeat_contact_detect(earlier=[ticket], now=NOW, window=timedelta(days=1)) is False
    assert repeat_contact_detect(earlier=[ticket], now=NOW, window=timedelta(days=2)) is True


def test_the_status_names_are_the_models():
    assert set(repeat.OPEN_STATUSES) | {repeat.RESOLVED, repeat.ANSWERED_AUTO} == set(Inquiry.Status.values)
