from datetime import timedelta

import pytest

from supportdesk.models import Inquiry
from supportdesk.wording import CUSTOMER_STATUS, customer_status_label, reply_estimate_text

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
