import threading
import time
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from supportdesk import selectors
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.selectors import faq_nearest, inquiry_earlier_tickets, inquiry_repeat_contact, reply_estimate_get
from tests.core.test_process import in_forked_child
from tests.factories import FAQEntryFactory, InquiryFactory, TicketEventFactory, TicketMessageFactory

EMAIL = "ada@repeat.test"


def ticket(*, status: str, email: str = EMAIL, days_ago: float = 0, resolved_days_ago: float | None = None) -> Inquiry:
    """A ticket last updated `days_ago` (resolved `resolved_days_ago`, by default when it was last updated)."""
    inquiry = InquiryFactory(email=email, status=status)
    now = timezone.now()
    updated_at = now - timedelta(days=days_ago)
    resolved_at = None
    if status == "resolved":
        resolved_at = now - timedelta(days=days_ago if resolved_days_ago is None else resolved_days_ago)
    Inquiry.objects.filter(pk=inquiry.pk).update(updated_at=updated_at, resolved_at=resolved_at,
                                                 created_at=updated_at - timedelta(hours=1))
    inquiry.refresh_from_db()
    return inquiry


def repeat(email: str = EMAIL, exclude_pk: int | None = None, **kw) -> bool:
    return inquiry_repeat_contact(email=email, exclude_pk=exclude_pk, **kw)


@pytest.mark.parametrize("status", ["received", "escalated", "assigned"])
def test_an_open_ticket_makes_a_repeat_contact_however_old(db, status):
    ticket(status=status, days_ago=60)
    assert repeat() is True


@pytest.mark.parametrize("status", ["resolved", "answered_auto"])
@pytest.mark.parametrize(("days_ago", "expected"), [(6, True), (8, False)])
def test_a_closed_ticket_counts_within_seven_days(db, status, days_ago, expected):
    ticket(status=status, days_ago=days_ago)
    assert repeat() is expected


def test_resolved_long_ago_but_touched_recently_is_not_a_repeat(db):
    ticket(status="resolved", days_ago=1, resolved_days_ago=8)
    assert repeat() is False


def test_the_window_boundary_is_inclusive(db):
    closed = ticket(status="answered_auto", days_ago=7)
    assert repeat(now=closed.updated_at + timedelta(days=7)) is True
    assert repeat(now=closed.updated_at + timedelta(days=7, microseconds=1)) is False


def test_the_window_is_a_setting(db, settings):
    ticket(status="resolved", days_ago=8)
    settings.SUPPORTLOOP_REPEAT_CONTACT_DAYS = 10
    assert repeat() is True
    settings.SUPPORTLOOP_REPEAT_CONTACT_DAYS = 7
    assert repeat() is False


def test_another_email_is_not_a_repeat(db):
    ticket(status="escalated", email="grace@repeat.test")
    assert repeat() is False


def test_emails_match_whatever_their_case(db):
    ticket(status="escalated", email="Ada@Repeat.TEST")
    assert repeat(email="ada@REPEAT.test") is True


def test_the_excluded_ticket_is_ignored(db):
    current = ticket(status="received")
    assert repeat(exclude_pk=current.pk) is False
    assert repeat() is True


def test_an_empty_email_is_never_a_repeat(db, django_assert_num_queries):
    ticket(status="escalated", email="")
    with django_assert_num_queries(0):
        assert repeat(email="") is False


def test_repeat_contact_is_one_query(db, django_assert_num_queries):
    for _ in range(3):
        ticket(status="resolved", days_ago=30)
    ticket(status="answered_auto", days_ago=2)
    with django_assert_num_queries(1) as ctx:
        assert repeat(exclude_pk=None) is True
    sql = ctx.captured_queries[0]["sql"].lower()
    assert '"text"' not in sql and "order by" not in sql and "limit" in sql


def test_earlier_tickets_are_the_others_of_that_email_newest_first(db):
    oldest = ticket(status="resolved", days_ago=20)
    middle = ticket(status="answered_auto", email=EMAIL.upper(), days_ago=10)
    current = ticket(status="received")
    ticket(status="escalated", email="grace@repeat.test")
    earlier = inquiry_earlier_tickets(email=EMAIL, exclude_pk=current.pk)
    assert [t.pk for t in earlier] == [middle.pk, oldest.pk]
    assert [t.pk for t in inquiry_earlier_tickets(email=EMAIL, exclude_pk=None)] == [current.pk, middle.pk, oldest.pk]


def test_earlier_tickets_are_limited_and_none_for_an_empty_email(db, django_assert_num_queries):
    tickets = [ticket(status="resolved", days_ago=d) for d in range(5)]
    assert [t.pk for t in inquiry_earlier_tickets(email=EMAIL, exclude_pk=None, limit=2)] == [tickets[0].pk,
                                                                                              tickets[1].pk]
    ticket(status="escalated", email="")
    with django_assert_num_queries(0):
        assert inquiry_earlier_tickets(email="", exclude_pk=None) == []


# reply_estimate_get: what a waiting customer is told about when a person replies.


@pytest.fixture
def fresh_estimate():
    selectors.selector_caches_clear()
    yield
    selectors.selector_caches_clear()


def escalation(*, waited: timedelta | None, days_ago: float = 1, from_status: str = "received") -> Inquiry:
    """A ticket created `days_ago` and escalated from `from_status`, first answered by an agent `waited` later."""
    inquiry = InquiryFactory(status="assigned")
    created = timezone.now() - timedelta(days=days_ago)
    Inquiry.objects.filter(pk=inquiry.pk).update(created_at=created)
    TicketEventFactory(inquiry=inquiry, from_status=from_status)
    if waited is not None:
        for kind, after in [("customer", timedelta(minutes=1)), ("agent", waited), ("agent", waited * 3)]:
            message = TicketMessageFactory(inquiry=inquiry, author_kind=kind)
            TicketMessage.objects.filter(pk=message.pk).update(created_at=created + after)
    return inquiry


def test_fewer_than_20_replied_escalations_fall_back_to_the_setting(db, fresh_estimate, settings):
    for _ in range(19):
        escalation(waited=timedelta(hours=1))
    escalation(waited=timedelta(hours=1), days_ago=31)  # too old
    escalation(waited=timedelta(hours=1), from_status="answered_auto")  # reopened by a follow-up
    escalation(waited=None)  # nobody replied yet
    assert reply_estimate_get() == timedelta(hours=24)
    settings.SUPPORTLOOP_REPLY_ESTIMATE_HOURS = 6
    selectors.selector_caches_clear()
    assert reply_estimate_get() == timedelta(hours=6)


def test_20_replied_escalations_give_the_median_time_to_the_first_agent_reply(db, fresh_estimate):
    for hours in range(1, 21):
        escalation(waited=timedelta(hours=hours))
    escalation(waited=timedelta(days=20), days_ago=31)
    escalation(waited=timedelta(days=20), from_status="resolved")
    assert reply_estimate_get() == timedelta(hours=10.5)
    escalation(waited=timedelta(hours=30))
    selectors.selector_caches_clear()
    assert reply_estimate_get() == timedelta(hours=11)


def test_the_estimate_is_computed_at_most_once_a_minute(db, fresh_estimate, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert reply_estimate_get() == timedelta(hours=24)
    for _ in range(20):
        escalation(waited=timedelta(hours=2))
    with django_assert_num_queries(0):
        assert reply_estimate_get() == timedelta(hours=24)
    a_minute_on = time.monotonic() + selectors.REPLY_ESTIMATE_CACHE_SECONDS
    selectors._caches.get().reply_estimate.expire(a_minute_on)
    with django_assert_num_queries(1):
        assert reply_estimate_get() == timedelta(hours=2)


def test_the_policy_and_faq_are_cached_for_the_setting_s_seconds(db, fresh_estimate, settings,
                                                               django_assert_num_queries):
    selectors.escalation_policy_cached()  # conftest: 0 s, read every time
    with django_assert_num_queries(1):
        selectors.escalation_policy_cached()
    settings.SUPPORTLOOP_POLICY_CACHE_SECONDS = 2.0
    selectors.escalation_policy_cached()
    embedding = np.ones(4, dtype=np.float32)
    selectors.faq_nearest(category="shipping", embedding=embedding, embedding_key="k")
    with django_assert_num_queries(0):
        selectors.escalation_policy_cached()
        selectors.faq_nearest(category="shipping", embedding=embedding, embedding_key="k")
    with django_assert_num_queries(1):
        selectors.faq_nearest(category="shipping", embedding=embedding, embedding_key="other")
    caches = selectors._caches.get()
    for cache in (caches.policy, caches.faq):
        cache.expire(time.monotonic() + 1.5)  # still fresh 1.5 s on
    with django_assert_num_queries(0):
        selectors.escalation_policy_cached()
        selectors.faq_nearest(category="shipping", embedding=embedding, embedding_key="k")
    for cache in (caches.policy, caches.faq):
        cache.expire(time.monotonic() + 2.0)  # two seconds on
    with django_assert_num_queries(2):
        selectors.escalation_policy_cached()
        selectors.faq_nearest(category="shipping", embedding=embedding, embedding_key="k")


def test_a_forked_child_starts_with_empty_caches_and_a_free_lock(db, fresh_estimate):
    assert reply_estimate_get() == timedelta(hours=24)
    parent = selectors._caches.get()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:  # a request thread inside the cache at the instant of the fork
        with parent.lock:
            holding.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(timeout=5)

        def child() -> dict:
            inherited = selectors._caches.peek() is not None
            caches = selectors._caches.get()
            free = caches.lock.acquire(timeout=2)
            return {"inherited": inherited, "free": free, "new": caches is not parent,
                    "empty": len(caches.reply_estimate) + len(caches.policy) + len(caches.faq) == 0}

        assert in_forked_child(child) == {"inherited": False, "free": True, "new": True, "empty": True}
    finally:
        release.set()
        holder.join()
    assert selectors._caches.get() is parent and "value" in parent.reply_estimate


def _faq(*, category: str, vector, key: str = "enc-1", **fields):
    # Categories of their own: the session's starter FAQ may already be in the table.
    v = np.asarray(vector, dtype=np.float32)
    return FAQEntryFactory(category=category, embedding=(v / np.linalg.norm(v)).tobytes(), embedding_key=key,
                           **fields)


def test_faq_nearest_picks_the_closest_active_entry_of_the_category(db):
    tracking = _faq(category="parcels", vector=[1, 0, 0], question="Where is my parcel?")
    late = _faq(category="parcels", vector=[0, 1, 0], question="My parcel is late")
    _faq(category="parcels", vector=[0.1, 0.9, 0], is_active=False)  # nearer, but withdrawn
    _faq(category="refunds-x", vector=[0, 0.8, 0.2])  # nearer, but another category
    query = np.array([0.2, 0.8, 0.0], dtype=np.float32)
    assert faq_nearest(category="parcels", embedding=query, embedding_key="enc-1") == late
    assert faq_nearest(category="parcels", embedding=np.array([1, 0.1, 0], np.float32),
                       embedding_key="enc-1") == tracking


def test_faq_nearest_without_embeddings_for_this_encoder_answers_with_the_first_entry(db):
    first = _faq(category="parcels", vector=[0, 1, 0], key="old-encoder")
    _faq(category="parcels", vector=[1, 0, 0], key="old-encoder")
    query = np.array([1, 0, 0], dtype=np.float32)
    assert faq_nearest(category="parcels", embedding=query, embedding_key="enc-2") == first


def test_faq_nearest_for_a_category_without_entries_is_none(db):
    _faq(category="parcels", vector=[1, 0, 0])
    assert faq_nearest(category="nothing-here", embedding=np.ones(3, np.float32), embedding_key="enc-1") is None


# The agent queue (views, filters, search, keyset pages, counts) -------------------------------------

from supportdesk.queue import QueueParams, QueueParamsError, cursor_decode, queue_params_parse  # noqa: E402
from supportdesk.selectors import agent_queue_counts, agent_queue_page  # noqa: E402
from tests.factories import UserFactory  # noqa: E402


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
    hit, _other = queued(text="first"), queued(text="second")
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


def test_a_later_page_judges_breaches_as_of_the_first(db):
    for i in range(51):
        queued(minutes_ago=100 + i)
    first = agent_queue_page(params=QueueParams(), agent=None)
    cursor = cursor_decode(first.next_cursor)
    assert cursor.now == first.now
    later = agent_queue_page(params=QueueParams(cursor=cursor), agent=None, now=timezone.now() + timedelta(days=1))
    assert later.now == first.now and [t.breached for t in later.items] == [False]


def test_counts_are_one_query(db, django_assert_num_queries):
    queued()
    with django_assert_num_queries(1):
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
