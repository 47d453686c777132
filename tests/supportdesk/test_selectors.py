import threading
import time
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from supportdesk import selectors
from supportdesk.models import Inquiry, ResponseTarget, TicketMessage
from supportdesk.selectors import faq_nearest, inquiry_earlier_tickets, inquiry_repeat_contact, reply_estimate_get
from supportdesk.sla import Target
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


def test_response_targets_are_cached_like_the_policy(db, fresh_estimate, settings, django_assert_num_queries):
    ResponseTarget.objects.create(kind="category", category="refund", minutes=30)
    with django_assert_num_queries(1):
        selectors.response_targets_cached()  # conftest: 0 s, read every time
    settings.SUPPORTLOOP_POLICY_CACHE_SECONDS = 2.0
    assert selectors.response_targets_cached() == (Target(kind="category", category="refund", minutes=30),)
    ResponseTarget.objects.create(kind="high_risk", minutes=10)
    with django_assert_num_queries(0):
        assert len(selectors.response_targets_cached()) == 1
    selectors._caches.get().targets.expire(time.monotonic() + 2.0)
    with django_assert_num_queries(1):
        assert len(selectors.response_targets_cached()) == 2


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
