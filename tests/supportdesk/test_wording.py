from datetime import timedelta

import pytest

from supportdesk.models import Inquiry
from supportdesk.wording import CUSTOMER_STATUS, customer_next_step, customer_status_label, reply_estimate_text

H = timedelta(hours=1)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("estimate", "text"), [
    (timedelta(0), "usually within an hour"),
    (timedelta(minutes=5), "usually within an hour"),
    (H, "usually within an hour"),
    (H + TICK, "usually within 2 hours"),
    (2 * H, "usually within 2 hours"),
    (2 * H + TICK, "usually within 3 hours"),
    (12 * H, "usually within 12 hours"),
    (12 * H + TICK, "usually within a day"),
    (24 * H, "usually within a day"),
    (24 * H + TICK, "usually within 2 days"),
    (48 * H, "usually within 2 days"),
    (timedelta(days=9, hours=1), "usually within 10 days"),
])
def test_reply_estimate_reads_humanely_and_is_rounded_up(estimate, text):
    assert reply_estimate_text(estimate=estimate) == text


def test_the_default_estimate_of_24_hours_is_a_day():
    assert reply_estimate_text(estimate=timedelta(hours=24.0)) == "usually within a day"


def test_every_status_has_a_plain_label_for_customers():
    assert set(CUSTOMER_STATUS) == set(Inquiry.Status.values)
    labels = {s: customer_status_label(status=s) for s in Inquiry.Status.values}
    assert labels["answered_auto"] == "Answered"
    assert labels["escalated"] == "Waiting for our team"
    assert labels["assigned"] == "An agent is on it"
    assert labels["resolved"] == "Resolved"
    assert all("_" not in label for label in labels.values())


def test_an_unknown_status_is_never_shown_as_its_code():
    assert customer_status_label(status="some_new_state") == "Received"


# what happens next


def test_every_status_says_what_happens_next_in_plain_words():
    for status in Inquiry.Status.values:
        for answered in (False, True):
            step = customer_next_step(status=status, answered=answered, estimate="usually within a day")
            assert step.text and "_" not in step.text + step.heading + step.feedback_prompt, (status, answered)


def test_escalated_promises_a_person_within_the_estimate():
    step = customer_next_step(status="escalated", answered=False, estimate="usually within 3 hours")
    assert step.text == "A member of our support team will reply here, usually within 3 hours."
    assert step.feedback_prompt == ""


def test_an_automatic_answer_asks_whether_it_helped():
    step = customer_next_step(status="answered_auto", answered=True)
    assert step.feedback_prompt == "Was this helpful?" and "a person will take over" in step.text


def test_an_assigned_ticket_asks_for_no_feedback_while_the_agent_works():
    before = customer_next_step(status="assigned", answered=False)
    after = customer_next_step(status="assigned", answered=True)
    assert before.text.startswith("An agent is working on your ticket.") and "will appear here" in before.text
    assert after.text.startswith("An agent is working on your ticket.") and "Write below" in after.text
    assert before.feedback_prompt == after.feedback_prompt == ""


def test_a_resolved_ticket_asks_how_we_did():
    step = customer_next_step(status="resolved", answered=True)
    assert step.feedback_prompt == "Tell us how we did"
    assert step.text == "This ticket is resolved. Write below if you need more help."


def test_an_unknown_status_reads_as_received_and_asks_nothing():
    step = customer_next_step(status="some_new_state", answered=True)
    assert step == customer_next_step(status="received", answered=True) and step.feedback_prompt == ""
