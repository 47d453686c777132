"""The operations dashboard's reads (feedback/operations_selectors.py) on tickets with known times."""

import datetime as dt
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from feedback.models import ExplicitFeedback
from feedback.operations_selectors import agents_table, operations_report, window_figures
from feedback.selectors import DashboardFilter
from supportdesk.models import Inquiry
from tests.factories import InquiryFactory, UserFactory

NOW = timezone.now().replace(microsecond=0)
TODAY = timezone.localdate(NOW)


def ticket(*, days_ago: float, status: str, first_h: float | None = None, resolved_h: float | None = None,
           due_h: float | None = None, agent=None, category: str = "delivery", rating: int | None = None,
           reasons: list | None = None) -> Inquiry:
    created = NOW - timedelta(days=days_ago)
    t = InquiryFactory(status=status, category=category, assigned_to=agent, escalation_reasons=reasons or [])
    Inquiry.objects.filter(pk=t.pk).update(
        created_at=created, created_day=timezone.localdate(created),
        first_response_at=None if first_h is None else created + timedelta(hours=first_h),
        resolved_at=None if resolved_h is None else created + timedelta(hours=resolved_h),
        response_due_at=None if due_h is None else created + timedelta(hours=due_h))
    if rating is not None:
        ExplicitFeedback.objects.create(inquiry=t, rating=rating)
    return t


@pytest.fixture
def team(db):
    bob = UserFactory(username="bob", roles=["agent"])
    carol = UserFactory(username="carol", roles=["agent"])
    # This week: 6 automated (one of them reopened by a follow-up, so no longer answered_auto), 4 handed over.
    for _ in range(5):
        ticket(days_ago=2, status="answered_auto")
    ticket(days_ago=2, status="resolved", first_h=1, resolved_h=2, due_h=4, agent=bob, rating=5,
           reasons=["follow_up"])
    ticket(days_ago=3, status="resolved", first_h=2, resolved_h=10, due_h=4, agent=bob, rating=4)
    ticket(days_ago=3, status="resolved", first_h=6, resolved_h=30, due_h=4, agent=carol, rating=2)  # late answer
    ticket(days_ago=1, status="escalated", due_h=0.5)  # unanswered and overdue
    ticket(days_ago=0.01, status="received")  # not decided yet
    # The week before: slower.
    ticket(days_ago=10, status="answered_auto")
    ticket(days_ago=10, status="resolved", first_h=8, resolved_h=20, due_h=4, agent=bob, rating=3)
    ticket(days_ago=11, status="resolved", first_h=10, resolved_h=40, due_h=4, agent=carol, rating=5)
    return {"bob": bob, "carol": carol}


def test_a_window_s_headline_figures(team):
    w = window_figures(start=TODAY - timedelta(days=6), end=TODAY, now=NOW)
    assert (w.decided, w.automated, w.reopened, w.handed, w.resolved) == (9, 5, 1, 4, 3)
    assert w.automation_rate == 5 / 9
    assert (w.with_due, w.breached) == (4, 2) and w.breach_rate == 0.5
    assert w.first_response.n == 3 and w.first_response.median == pytest.approx(2 * 3600)
    assert w.resolution.median == pytest.approx(10 * 3600)
    assert (w.rated, w.good) == (3, 2)


def test_the_report_compares_with_the_previous_period(team):
    f = DashboardFilter(start=TODAY - timedelta(days=6), end=TODAY, period="day")
    report = operations_report(f=f, now=NOW)
    assert report.previous == (TODAY - timedelta(days=13), TODAY - timedelta(days=7))
    changes = report.changes()
    assert changes["first_response_median"].previous == pytest.approx(9 * 3600)  # (8 h + 10 h) / 2
    assert changes["first_response_median"].better is True  # 2 h now
    assert changes["automation_rate"].previous == 1 / 3
    assert changes["automation_rate"].better is True


def test_the_series_per_period_with_links_to_the_tickets(team):
    f = DashboardFilter(start=TODAY - timedelta(days=13), end=TODAY, period="day")
    report = operations_report(f=f, now=NOW)
    days = [b.isoformat() for b in report.buckets]
    assert days == sorted(days) and len(days) == len(report.series["links"]) == len(report.series["backlog"])
    three_days_ago = days.index((TODAY - timedelta(days=3)).isoformat())
    assert report.series["first_response_median_h"][three_days_ago] == 4.0  # 2 h and 6 h
    assert report.series["breaches"][three_days_ago] == 1
    link = urlsplit(report.series["links"][three_days_ago])
    assert link.path == "/admin/supportdesk/inquiry/"
    day = days[three_days_ago]
    assert parse_qs(link.query) == {"created_day__gte": [day], "created_day__lte": [day]}
    assert report.series["backlog"][-1] == 1  # only the overdue one is still open


def test_per_agent_volume_first_response_and_csat(team):
    f = DashboardFilter(start=TODAY - timedelta(days=6), end=TODAY)
    rows = {r.username: r for r in agents_table(f=f)}
    assert rows["bob"].handled == 2 and rows["bob"].csat == 1.0
    assert rows["bob"].first_response.median == pytest.approx(1.5 * 3600)
    assert rows["carol"].handled == 1 and rows["carol"].csat == 0.0
    query = parse_qs(urlsplit(rows["carol"].tickets_url).query)
    assert query["assigned_to__id__exact"] == [str(team["carol"].pk)]


def test_a_category_filter_applies_to_every_figure(team):
    ticket(days_ago=1, status="answered_auto", category="refund")
    w = window_figures(start=TODAY - timedelta(days=6), end=TODAY, category="refund", now=NOW)
    assert (w.decided, w.automated, w.handed) == (1, 1, 0) and w.first_response.median is None


def test_an_empty_window_has_no_figures_rather_than_zeros(db):
    report = operations_report(f=DashboardFilter(start=dt.date(2020, 1, 1), end=dt.date(2020, 1, 31)), now=NOW)
    assert report.now.automation_rate is None and report.now.first_response.median is None
    assert report.buckets == [] and report.agents == []


def test_the_links_open_the_admin_ticket_list_filtered(client, admin_user, team):
    client.force_login(admin_user)
    f = DashboardFilter(start=TODAY - timedelta(days=6), end=TODAY)
    carol = next(r for r in agents_table(f=f) if r.username == "carol")
    r = client.get(carol.tickets_url)
    assert r.status_code == 200 and "?e=1" not in r.get("Location", "")
    assert r.context["cl"].result_count == 1
