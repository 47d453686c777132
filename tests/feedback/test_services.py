"""feedback.services: the cap on the page views a ticket's implicit score counts, and who may give feedback."""

import threading

import pytest
from django.db import connection

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.services import FeedbackNotAnswered, explicit_feedback_submit, implicit_signal_record
from tests.factories import InquiryFactory, TicketMessageFactory


def view(inquiry, view_id: str, *, seq: int = 1, dwell: float = 30.0):
    return implicit_signal_record(inquiry=inquiry, view_id=view_id, seq=seq, clicked=False, dwell_seconds=dwell,
                                  scroll_depth=0.5)


def test_a_ticket_counts_its_views_up_to_the_cap(db, settings):
    settings.SUPPORTLOOP_VIEWS_PER_TICKET_MAX = 2
    ticket = InquiryFactory(status="answered_auto", answer="Here.")
    assert view(ticket, "view-aaaaaaa1") is not None and view(ticket, "view-aaaaaaa2") is not None
    assert view(ticket, "view-aaaaaaa3") is None
    assert view(ticket, "view-aaaaaaa2", seq=2, dwell=90.0).dwell_seconds == 90.0
    assert set(ImplicitSignal.objects.values_list("view_id", flat=True)) == {"view-aaaaaaa1", "view-aaaaaaa2"}


def test_another_tickets_view_id_changes_nothing(db):
    mine, theirs = (InquiryFactory(status="answered_auto", answer="Here.") for _ in range(2))
    view(theirs, "view-theirs01", dwell=5.0)
    assert view(mine, "view-theirs01", seq=2, dwell=600.0).inquiry_id == theirs.pk
    assert ImplicitSignal.objects.get().dwell_seconds == 5.0


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_views_never_pass_the_cap(settings):
    settings.SUPPORTLOOP_VIEWS_PER_TICKET_MAX = 3
    ticket = InquiryFactory(status="answered_auto", answer="Here.")
    barrier = threading.Barrier(8)

    def first_beacon(i: int) -> None:
        try:
            barrier.wait()
            view(ticket, f"view-race{i:04d}")
        finally:
            connection.close()

    threads = [threading.Thread(target=first_beacon, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert ImplicitSignal.objects.filter(inquiry=ticket).count() == 3


def test_no_feedback_before_an_answer(db):
    waiting = InquiryFactory(status="escalated")
    with pytest.raises(FeedbackNotAnswered, match="no answer yet"):
        explicit_feedback_submit(inquiry=waiting, helpful=None, rating=2, comment="", nps=None)
    TicketMessageFactory(inquiry=waiting, author_kind="customer", body="Hello?")  # the customer's own words
    with pytest.raises(FeedbackNotAnswered):
        explicit_feedback_submit(inquiry=waiting, helpful=None, rating=2, comment="", nps=None)
    assert not ExplicitFeedback.objects.exists()
    TicketMessageFactory(inquiry=waiting, author_kind="agent", body="Sorted.")
    assert explicit_feedback_submit(inquiry=waiting, helpful=True, rating=5, comment="", nps=None).rating == 5
