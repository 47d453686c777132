"""The agents' queue (supportdesk/queue_selectors.py): views, filters, search, keyset pages, counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from supportdesk.models import Inquiry
from supportdesk.queue import QueueParams, QueueParamsError, cursor_decode, queue_params_parse
from supportdesk.queue_selectors import agent_queue_counts, agent_queue_page
from tests.factories import InquiryFactory, TicketMessageFactory, UserFactory


def queued(*, minutes_ago: float = 60, upset: float | None = 0.1, status: str = "escalated", due_in: float | None = 60,
           answered: bool = False, **kw) -> Inquiry:
    now = timezone.now()
    created = now - timedelta(minutes=minutes_ago)
    inquiry = InquiryFactory(status=status, upset=upset, **kw)
    Inquiry.objects.filter(pk=inquiry.pk).update(
        created_at=created, response_due_at=None if due_in is None else now + timedelta(minutes=due_in),
        first_response_at=created + timedelta(minutes=1) if answered else None)
    inquiry.refresh_from_db()
    return inquiry


def page_ids(agent=None, **params) -> list[int]:
    return [t.pk for t in agent_queue_page(params=QueueParams(**params), agent=agent).items]


def test_breaches_come_first_then_the_most_upset_then_the_oldest(db):
    calm_old = queued(minutes_ago=300, upset=0.1)
    upset_new = queued(minutes_ago=5, upset=0.9)
    no_score = queued(minutes_ago=400, upset=None)  # ranks as 0
    overdue = queued(minutes_ago=10, upset=0.0, due_in=-5)
    overdue_upset = queued(minutes_ago=10, upset=0.5, due_in=-1)
    answered_late = queued(minutes_ago=20, upset=0.2, due_in=-30, answered=True)  # not a breach once answered
    assert page_ids() == [overdue_upset.pk, overdue.pk, upset_new.pk, answered_late.pk, calm_old.pk, no_score.pk]
    items = agent_queue_page(params=QueueParams(), agent=None).items
    assert [t.breached for t in items] == [True, True, False, False, False, False]


def test_each_view_selects_its_tickets(db):
    bob, carol = UserFactory(username="bob", roles=["agent"]), UserFactory(username="carol", roles=["agent"])
    waiting_room = queued()
    mine = queued(status="assigned", assigned_to=bob, answered=True)
    theirs = queued(status="assigned", assigned_to=carol, answered=True)
    resolved = queued(status="resolved", answered=True)
    queued(status="answered_auto")
    TicketMessageFactory(inquiry=mine, author_kind="agent")  # waiting on the customer
    TicketMessageFactory(inquiry=theirs, author_kind="agent")
    TicketMessageFactory(inquiry=theirs, author_kind="customer")  # the customer answered: not waiting
    assert set(page_ids(bob, view="open")) == {waiting_room.pk, mine.pk, theirs.pk}
    assert page_ids(bob, view="mine") == [mine.pk]
    assert page_ids(bob, view="unassigned") == [waiting_room.pk]
    assert page_ids(bob, view="waiting") == [mine.pk]
    assert page_ids(bob, view="resolved") == [resolved.pk]
    counts = agent_queue_counts(params=QueueParams(), agent=bob)
    assert counts == {"open": 3, "mine": 1, "unassigned": 1, "waiting": 1, "resolved": 1, "breached": 0}


def test_an_internal_note_after_the_reply_leaves_the_ticket_waiting_on_the_customer(db):
    ticket = queued(status="assigned", answered=True)
    TicketMessageFactory(inquiry=ticket, author_kind="agent")
    TicketMessageFactory(inquiry=ticket, author_kind="note", body="Customer is a reseller, see #12.")
    assert page_ids(view="waiting") == [ticket.pk]


def test_filters_by_category_and_by_reason(db):
    refund = queued(category="refund", escalation_reasons=["high_risk", "negative_sentiment"])
    corrected = queued(category="delivery", confirmed_category="refund", escalation_reasons=["low_confidence"])
    delivery = queued(category="delivery", escalation_reasons=["ambiguous"])
    assert set(page_ids(category="refund")) == {refund.pk, corrected.pk}
    assert page_ids(category="delivery") == [delivery.pk]
    assert page_ids(reason="high_risk") == [refund.pk]
    assert page_ids(reason="negative_sentiment", category="delivery") == []
    counts = agent_queue_counts(params=QueueParams(category="refund"), agent=None)
    assert counts["open"] == 2 and counts["unassigned"] == 2


@pytest.mark.parametrize("q", ["parcel", "PARCEL", "Ada Lovelace", "ada@search.test", "tracking number"])
def test_search_finds_text_name_email_and_replies(db, q):
    hit = queued(text="My parcel never came", name="Ada Lovelace", email="ada@search.test")
    TicketMessageFactory(inquiry=hit, author_kind="agent", body="Here is your tracking number")
    queued(text="Refund please", name="Grace Hopper", email="grace@search.test")
    assert page_ids(q=q) == [hit.pk]


@pytest.mark.parametrize("form", ["#{}", "{}"])
def test_search_by_ticket_number(db, form):
    # No digits anywhere in the other ticket (Faker's emails may carry some): a plain number also searches text.
    hit, _other = queued(text="first"), queued(text="second", name="Grace Hopper", email="grace@search.test")
    assert hit.pk in page_ids(q=form.format(hit.pk)) and _other.pk not in page_ids(q=form.format(hit.pk))


def test_search_stays_within_the_view(db):
    queued(text="parcel lost", status="resolved")
    open_one = queued(text="parcel late")
    assert page_ids(q="parcel") == [open_one.pk]
    assert len(page_ids(q="parcel", view="resolved")) == 1


def test_keyset_pages_cover_the_queue_once_in_order(db, django_assert_max_num_queries):
    for i in range(123):
        queued(minutes_ago=1000 - i, upset=(i % 7) / 10, due_in=-1 if i % 10 == 0 else 60)
    everything = page_ids()[:50]
    seen, params, pages = [], QueueParams(), 0
    while True:
        with django_assert_max_num_queries(3):
            page = agent_queue_page(params=params, agent=None)
        seen += [t.pk for t in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        params = queue_params_parse(data={"cursor": page.next_cursor})
    assert pages == 3 and len(seen) == 123 and len(set(seen)) == 123
    assert seen[:50] == everything
    ordered = list(Inquiry.objects.filter(pk__in=seen).values_list("pk", "upset", "created_at", "response_due_at"))
    key = {pk: (due < timezone.now(), u, -c.timestamp()) for pk, u, c, due in ordered}
    assert seen == sorted(seen, key=lambda pk: (key[pk], -pk), reverse=True)


def test_the_resolved_view_lists_the_most_recently_resolved_first_in_keyset_pages(db):
    now = timezone.now()
    resolved = []
    for i in range(60):  # resolved in an order unrelated to age or upset; two share a resolution time
        t = queued(status="resolved", minutes_ago=500 + i, upset=(i % 5) / 5, answered=True)
        at = now - timedelta(minutes=(i * 37) % 60) if i != 59 else now - timedelta(minutes=(58 * 37) % 60)
        Inquiry.objects.filter(pk=t.pk).update(resolved_at=at)
        resolved.append(t.pk)
    queued()  # open: not in this view
    rows = Inquiry.objects.filter(pk__in=resolved).values_list("pk", "resolved_at")
    expected = [pk for pk, _ in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]
    first = agent_queue_page(params=QueueParams(view="resolved"), agent=None)
    assert len(first.items) == 50 and first.next_cursor
    second = agent_queue_page(params=queue_params_parse(data={"view": "resolved", "cursor": first.next_cursor}),
                              agent=None)
    assert [t.pk for t in first.items + second.items] == expected and second.next_cursor is None


def test_a_later_page_judges_breaches_as_of_the_first(db):
    for i in range(51):
        queued(minutes_ago=100 + i)
    first = agent_queue_page(params=QueueParams(), agent=None)
    cursor = cursor_decode(first.next_cursor)
    assert cursor.now == first.now
    later = agent_queue_page(params=QueueParams(cursor=cursor), agent=None, now=timezone.now() + timedelta(days=1))
    assert later.now == first.now and [t.breached for t in later.items] == [False]


def test_counts_are_two_queries(db, django_assert_num_queries):
    queued()
    with django_assert_num_queries(2):
        agent_queue_counts(params=QueueParams(category="refund", reason="high_risk"), agent=None)


@pytest.mark.parametrize("data", [{"view": "everything"}, {"reason": "bored"}, {"cursor": "nope"},
                                  {"cursor": "WzFd:1tampered:sig"}, {"q": "x" * 201}, {"category": "c" * 65},
                                  {"q": "a\x00b"}])
def test_bad_parameters_are_refused_by_name(data):
    with pytest.raises(QueueParamsError) as exc:
        queue_params_parse(data=data)
    assert exc.value.field == next(iter(data))


def test_the_querystring_round_trips():
    params = queue_params_parse(data={"view": "mine", "category": "refund", "reason": "high_risk",
                                      "q": " lost  parcel "})
    assert params.q == "lost parcel"
    again = queue_params_parse(data=dict(pair.split("=") for pair in params.querystring().split("&")))
    assert again.view == "mine" and again.category == "refund" and again.reason == "high_risk"
    assert QueueParams().querystring() == ""


def test_the_queue_knows_every_reason_intake_gives():
    from supportdesk import rules
    from supportdesk.queue import REASONS
    from supportdesk.services import intake

    assert {intake.NO_ANSWER, intake.FOLLOW_UP, *rules.ALL_REASONS} <= set(REASONS)
