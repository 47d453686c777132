"""First-response targets: the pure policy (supportdesk/sla.py) and where intake applies it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from supportdesk import rules, sla
from supportdesk.models import Inquiry, ResponseTarget
from supportdesk.services import ticket_follow_up
from supportdesk.sla import Target
from tests.factories import InquiryFactory

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def minutes(*, category="delivery", high_risk=False, targets=(), default=240) -> int:
    return sla.response_minutes(category=category, high_risk=high_risk, targets=targets, default_minutes=default)


def test_without_targets_the_setting_is_the_default():
    assert minutes() == 240
    assert sla.response_due(escalated_at=T0, category="x", high_risk=False, targets=[],
                            default_minutes=90) == T0 + timedelta(minutes=90)


def test_a_default_row_replaces_the_setting():
    assert minutes(targets=[Target("default", "", 60)]) == 60


def test_a_category_target_applies_to_its_category_only():
    targets = [Target("default", "", 120), Target("category", "refund", 30)]
    assert minutes(category="refund", targets=targets) == 30
    assert minutes(category="delivery", targets=targets) == 120


def test_the_high_risk_target_applies_when_it_is_tighter():
    targets = [Target("category", "refund", 30), Target("high_risk", "", 15)]
    assert minutes(category="refund", high_risk=True, targets=targets) == 15
    assert minutes(category="refund", high_risk=False, targets=targets) == 30
    # a looser high-risk target never loosens the ticket's own
    assert minutes(category="refund", high_risk=True, targets=[Target("category", "refund", 30),
                                                               Target("high_risk", "", 60)]) == 30


@pytest.mark.parametrize(("reasons", "expected"), [
    ([rules.HIGH_RISK], True), ([rules.NEGATIVE_SENTIMENT, rules.AMBIGUOUS], True),
    ([rules.LOW_CONFIDENCE, rules.REPEAT_CONTACT], False), ([], False),
])
def test_high_risk_is_an_upset_customer_or_a_high_risk_category(reasons, expected):
    assert sla.is_high_risk(reasons=reasons) is expected


@pytest.mark.parametrize(("due_in", "label"), [
    (timedelta(minutes=42, seconds=30), "due in 42 min"),
    (timedelta(seconds=20), "due in 1 min"),
    (timedelta(hours=2), "due in 2 h"),
    (-timedelta(hours=1, minutes=5), "overdue by 1 h 5 min"),
    (-timedelta(days=3, hours=2), "overdue by 3 d 2 h"),
])
def test_the_countdown_reads_as_words(due_in, label):
    assert sla.due_label(due_at=T0 + due_in, first_response_at=None, now=T0) == label


def test_an_answered_or_untargeted_ticket_has_no_countdown():
    assert sla.due_label(due_at=T0, first_response_at=T0, now=T0 + timedelta(hours=9)) == "answered"
    assert sla.due_label(due_at=None, first_response_at=None, now=T0) == ""


def test_a_breach_needs_an_open_unanswered_ticket_past_its_due_time():
    late = T0 + timedelta(minutes=1)
    assert sla.is_breached(due_at=T0, first_response_at=None, is_open=True, now=late)
    assert not sla.is_breached(due_at=T0, first_response_at=T0, is_open=True, now=late)  # answered in time or not
    assert not sla.is_breached(due_at=T0, first_response_at=None, is_open=False, now=late)
    assert not sla.is_breached(due_at=None, first_response_at=None, is_open=True, now=late)
    assert not sla.is_breached(due_at=late, first_response_at=None, is_open=True, now=late)


def test_an_escalated_inquiry_gets_its_due_time(db, settings):
    """Without a model every inquiry is escalated (model_unavailable): the setting's default applies."""
    from supportdesk.services import inquiry_submit

    settings.SUPPORTLOOP_FIRST_RESPONSE_MINUTES = 90
    before = timezone.now()
    inquiry = inquiry_submit(text="Where is my parcel?")
    stored = Inquiry.objects.get(pk=inquiry.pk)
    assert stored.status == "escalated"
    assert before + timedelta(minutes=90) <= stored.response_due_at <= timezone.now() + timedelta(minutes=90)


def test_an_admin_target_applies_to_the_next_escalation(db):
    from supportdesk.services import inquiry_submit

    ResponseTarget.objects.create(kind="default", minutes=10)
    stored = Inquiry.objects.get(pk=inquiry_submit(text="Where is my parcel?").pk)
    assert timedelta(minutes=9) < stored.response_due_at - timezone.now() <= timedelta(minutes=10)


def test_a_follow_up_reopening_an_unanswered_ticket_starts_the_target(db, settings):
    settings.SUPPORTLOOP_FIRST_RESPONSE_MINUTES = 30
    inquiry = InquiryFactory(status="answered_auto", category="refund")
    ticket_follow_up(inquiry=inquiry, body="That did not help.")
    inquiry.refresh_from_db()
    assert inquiry.status == "escalated"
    assert timedelta(minutes=29) < inquiry.response_due_at - timezone.now() <= timedelta(minutes=30)


def test_a_follow_up_on_an_answered_ticket_keeps_its_first_response(db):
    answered = timezone.now() - timedelta(days=1)
    inquiry = InquiryFactory(status="resolved", first_response_at=answered, response_due_at=answered)
    ticket_follow_up(inquiry=inquiry, body="One more thing.")
    inquiry.refresh_from_db()
    assert inquiry.status == "escalated" and inquiry.first_response_at == answered
    assert not sla.is_breached(due_at=inquiry.response_due_at, first_response_at=inquiry.first_response_at,
                               is_open=True, now=timezone.now())


def test_admins_edit_the_targets(client, admin_user):
    client.force_login(admin_user)
    assert client.get("/admin/supportdesk/responsetarget/add/").status_code == 200
    r = client.post("/admin/supportdesk/responsetarget/add/", {"kind": "category", "category": "", "minutes": 30})
    assert r.status_code == 200 and "name the category" in r.content.decode()
    r = client.post("/admin/supportdesk/responsetarget/add/", {"kind": "category", "category": "refund", "minutes": 30})
    assert r.status_code == 302
    assert list(ResponseTarget.objects.values_list("kind", "category", "minutes")) == [("category", "refund", 30)]
