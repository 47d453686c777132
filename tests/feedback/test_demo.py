from django.core.management import call_command

from feedback.models import ExplicitFeedback, ImplicitSignal
from supportdesk.models import Inquiry


def test_demo_traffic_fills_the_dashboards_over_past_weeks(active_model, capsys, client, admin_user, bob_agent):
    call_command("demo_traffic", "--inquiries", "60", "--weeks", "4")
    out = capsys.readouterr().out
    assert "60 inquiries" in out
    assert Inquiry.objects.count() == 60 and ExplicitFeedback.objects.exists() and ImplicitSignal.objects.exists()
    days = set(Inquiry.objects.values_list("created_day", flat=True))
    assert len(days) > 5
    escalated = Inquiry.objects.exclude(response_due_at=None)
    assert escalated.exists()  # each due time moved back with its ticket: escalation + the 240 min default
    for created, due in escalated.values_list("created_at", "response_due_at"):
        assert abs((due - created).total_seconds() - 240 * 60) < 60
    fb_days = set(ExplicitFeedback.objects.values_list("created_day", flat=True))
    assert len(fb_days) > 2
    # Agents answered and resolved escalated tickets, hours after they came in, in the past.
    handled = Inquiry.objects.filter(status="resolved", assigned_to=bob_agent)
    assert handled.exists() and "answered and resolved by agents" in out
    for created, first, resolved in handled.values_list("created_at", "first_response_at", "resolved_at"):
        assert created < first < resolved
    assert len(set(handled.values_list("created_day", flat=True))) > 1
    client.force_login(admin_user)
    assert client.get("/dashboards/?start=2000-01-01").status_code == 200
    html = client.get("/dashboards/operations/?start=2000-01-01").content.decode()
    assert ">bob</a>" in html and "No agent reply" not in html
