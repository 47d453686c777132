"""Simulated customers for a newcomer's dashboards: real inquiries through the real classifier,
agents who answer and resolve most escalated ones (through the agents' own services), and feedback
whose tone follows the outcome, spread over past weeks."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from django.utils import timezone

from feedback.models import ExplicitFeedback, ImplicitSignal
from feedback.services import explicit_feedback_submit, implicit_signal_record
from mlcore.starter import starter_inquiries, starter_sentiment
from supportdesk.models import Inquiry, TicketEvent, TicketMessage
from supportdesk.selectors import agents_list
from supportdesk.services import inquiry_submit, ticket_claim, ticket_reply, ticket_resolve

PREFIXES = ["", "Hi, ", "Hello! ", "Quick question: ", "Urgent: ", "Good morning. "]


REPLIES = ["Thanks for writing. I have looked into this and here is what happens next.",
           "Sorry for the trouble. I have fixed this on our side; please check again.",
           "I understand. I have passed this to the right team and will update you here."]


@dataclass
class DemoResult:
    inquiries: int
    feedback: int
    signals: int
    handled: int = 0


def _agent_handles(*, inquiry: Inquiry, when, agents: list, rng: random.Random) -> bool:
    """An agent claims, replies (after a wait of a few hours) and usually resolves the ticket; the
    times move back with the ticket. False when the ticket stays open (the backlog)."""
    if not agents or rng.random() < 0.15:
        return False
    agent = rng.choice(agents)
    ticket_claim(inquiry_id=inquiry.pk, agent=agent)
    message = ticket_reply(inquiry_id=inquiry.pk, agent=agent, body=rng.choice(REPLIES))
    first = when + timezone.timedelta(hours=rng.lognormvariate(0.8, 0.9))
    now = timezone.now()
    resolved = first + timezone.timedelta(hours=rng.lognormvariate(1.5, 1.0))
    if first >= now:
        first, resolved = now, None
    TicketMessage.objects.filter(pk=message.pk).update(created_at=first)
    fields = {"first_response_at": first}
    if resolved is not None and resolved < now and rng.random() < 0.85:
        ticket_resolve(inquiry_id=inquiry.pk, agent=agent)
        fields["resolved_at"] = resolved
    Inquiry.objects.filter(pk=inquiry.pk).update(**fields)
    TicketEvent.objects.filter(inquiry=inquiry, created_at__gt=when).update(created_at=first)
    return "resolved_at" in fields


def demo_traffic_generate(*, inquiries: int, weeks: int, seed: int = 0) -> DemoResult:
    rng = random.Random(seed)
    pool = [r["text"] for r in starter_inquiries()]
    comments = {s: [r["text"] for r in starter_sentiment() if r["sentiment"] == s]
                for s in ("negative", "neutral", "positive")}
    now = timezone.now()
    agents = list(agents_list())
    n_feedback = n_signals = n_handled = 0
    for _ in range(inquiries):
        inquiry = inquiry_submit(text=rng.choice(PREFIXES) + rng.choice(pool))
        when = now - timezone.timedelta(days=rng.uniform(0, weeks * 7), minutes=rng.uniform(0, 600))
        # The whole ticket moves back in time, its first-response due time with it.
        due = inquiry.response_due_at and inquiry.response_due_at - (now - when)
        Inquiry.objects.filter(pk=inquiry.pk).update(created_at=when, created_day=timezone.localdate(when),
                                                     response_due_at=due)
        TicketEvent.objects.filter(inquiry=inquiry).update(created_at=when)
        resolved = inquiry.status == Inquiry.Status.ESCALATED and _agent_handles(inquiry=inquiry, when=when,
                                                                                 agents=agents, rng=rng)
        n_handled += resolved
        auto = inquiry.status == Inquiry.Status.ANSWERED_AUTO
        good = (auto and rng.random() < 0.8) or (resolved and rng.random() < 0.7)
        if rng.random() < 0.7:
            implicit_signal_record(inquiry=inquiry, view_id=uuid.uuid4().hex, seq=1, clicked=rng.random() < 0.3,
                                   dwell_seconds=rng.expovariate(1 / (40 if good else 15)),
                                   scroll_depth=rng.uniform(0.4, 1.0) if good else rng.uniform(0, 0.6))
            n_signals += 1
        if (auto or resolved) and rng.random() < 0.5:
            tone = "positive" if good else rng.choice(["negative", "neutral"])
            explicit_feedback_submit(
                inquiry=inquiry, helpful=good, comment=rng.choice(comments[tone]) if rng.random() < 0.6 else "",
                rating=rng.randint(4, 5) if good else rng.randint(1, 3),
                nps=rng.choice([9, 10, 10, 8]) if good else rng.randint(0, 7),
            )
            n_feedback += 1
    # Feedback and signals took their creation time now: move them to their inquiry's day.
    for model in (ExplicitFeedback, ImplicitSignal):
        rows = list(model.objects.filter(inquiry__created_at__lt=now).select_related("inquiry"))
        for row in rows:
            row.created_at = row.inquiry.created_at + timezone.timedelta(minutes=rng.uniform(1, 120))
            row.created_day = timezone.localdate(row.created_at)
        model.objects.bulk_update(rows, ["created_at", "created_day"], batch_size=1000)
    return DemoResult(inquiries=inquiries, feedback=n_feedback, signals=n_signals, handled=n_handled)
