import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from mlcore.models import TrainingExample
from supportdesk.models import Inquiry, TicketMessage
from supportdesk.services import (
    TicketConflict,
    ticket_category_set,
    ticket_claim,
    ticket_follow_up,
    ticket_reassign,
    ticket_reply,
    ticket_resolve,
    ticket_unclaim,
)
from tests.factories import InquiryFactory, UserFactory


@pytest.fixture
def carol_agent(db):
    return UserFactory(username="carol", roles=["agent"])


@pytest.fixture
def escalated(db):
    return InquiryFactory(status="escalated", category="delivery", escalation_reasons=["negative_sentiment"],
                          sentiment=-0.8, text="Where on earth is my parcel?")


def transitions(inquiry):
    return list(inquiry.events.values_list("from_status", "to_status", "actor__username"))


def test_the_whole_agent_flow_is_logged_with_actors(escalated, bob_agent, active_model):
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    ticket_reply(inquiry_id=escalated.pk, agent=bob_agent, body="It left our warehouse today.")
    ticket_category_set(inquiry_id=escalated.pk, agent=bob_agent, category="delivery")
    ticket_resolve(inquiry_id=escalated.pk, agent=bob_agent)
    escalated.refresh_from_db()
    assert escalated.status == "resolved" and escalated.resolved_at and escalated.confirmed_category == "delivery"
    assert transitions(escalated) == [("escalated", "assigned", "bob"), ("assigned", "assigned", "bob"),
                                      ("assigned", "resolved", "bob")]
    assert escalated.messages.get().author_kind == TicketMessage.Author.AGENT


def test_a_correction_becomes_an_agent_training_label(escalated, bob_agent, active_model):
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    ticket_category_set(inquiry_id=escalated.pk, agent=bob_agent, category="order")
    example = TrainingExample.objects.get(source="agent")
    assert (example.text, example.category) == (escalated.text, "order")
    ticket_category_set(inquiry_id=escalated.pk, agent=bob_agent, category="refund")
    assert TrainingExample.objects.get(source="agent").category == "refund"
    assert "corrected from delivery" in escalated.events.last().reason


def test_unknown_category_is_refused(escalated, bob_agent, active_model):
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    with pytest.raises(ValidationError):
        ticket_category_set(inquiry_id=escalated.pk, agent=bob_agent, category="<script>")


def test_only_the_holder_acts_and_a_claimed_ticket_cannot_be_claimed_again(escalated, bob_agent, carol_agent):
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    with pytest.raises(TicketConflict):
        ticket_claim(inquiry_id=escalated.pk, agent=carol_agent)
    with pytest.raises(PermissionDenied):
        ticket_reply(inquiry_id=escalated.pk, agent=carol_agent, body="hi")
    with pytest.raises(PermissionDenied):
        ticket_unclaim(inquiry_id=escalated.pk, agent=carol_agent)


def test_resolve_needs_a_reply_and_a_claim(escalated, bob_agent):
    with pytest.raises(TicketConflict, match="claim"):
        ticket_resolve(inquiry_id=escalated.pk, agent=bob_agent)
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    with pytest.raises(TicketConflict, match="reply"):
        ticket_resolve(inquiry_id=escalated.pk, agent=bob_agent)


def test_unclaim_returns_to_queue_and_reassign_hands_over(escalated, bob_agent, carol_agent, alice):
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    ticket_unclaim(inquiry_id=escalated.pk, agent=bob_agent)
    escalated.refresh_from_db()
    assert escalated.status == "escalated" and escalated.assigned_to is None
    ticket_claim(inquiry_id=escalated.pk, agent=bob_agent)
    ticket_reassign(inquiry_id=escalated.pk, actor=bob_agent, to_agent=carol_agent)
    escalated.refresh_from_db()
    assert escalated.assigned_to == carol_agent
    ticket_reply(inquiry_id=escalated.pk, agent=carol_agent, body="Taking over.")
    with pytest.raises(ValidationError):
        ticket_reassign(inquiry_id=escalated.pk, actor=carol_agent, to_agent=alice)


def test_follow_up_reopens_an_answered_ticket(db):
    answered = InquiryFactory(status="answered_auto", answer="Try Account > Orders.")
    ticket_follow_up(inquiry=answered, body="That did not help.")
    answered.refresh_from_db()
    assert answered.status == "escalated" and "follow_up" in answered.escalation_reasons
    assert answered.messages.get().author_kind == "customer"


def test_follow_up_on_an_open_ticket_keeps_its_state(escalated):
    ticket_follow_up(inquiry=escalated, body="Any news?")
    escalated.refresh_from_db()
    assert escalated.status == "escalated"


@pytest.mark.django_db(transaction=True)
def test_two_agents_clicking_at_the_same_instant_never_share_a_ticket():
    bob = UserFactory(username="bob", roles=["agent"])
    carol = UserFactory(username="carol", roles=["agent"])
    tickets = [InquiryFactory(status="escalated").pk for _ in range(10)]
    for pk in tickets:
        barrier = threading.Barrier(2)
        results = {}

        def claim(agent, pk=pk, barrier=barrier, results=results):
            barrier.wait()
            try:
                ticket_claim(inquiry_id=pk, agent=agent)
                results[agent.username] = "won"
            except TicketConflict:
                results[agent.username] = "lost"
            finally:
                connection.close()

        threads = [threading.Thread(target=claim, args=(a,)) for a in (bob, carol)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results.values()) == ["lost", "won"]
        inquiry = Inquiry.objects.get(pk=pk)
        assert inquiry.assigned_to.username == next(k for k, v in results.items() if v == "won")
        assert inquiry.events.filter(to_status="assigned").count() == 1
