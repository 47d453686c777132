"""The operations dashboard page: figures beside the previous period, charts as data, access, bad input."""

import json
from datetime import timedelta

import pytest

from tests.feedback.test_operations_selectors import TODAY, team, ticket  # noqa: F401 (fixture)


def test_admins_see_the_figures_the_charts_and_the_agents(client, admin_user, team):  # noqa: F811
    client.force_login(admin_user)
    r = client.get(f"/dashboards/operations/?period=day&start={TODAY - timedelta(days=6)}&end={TODAY}")
    assert r.status_code == 200
    html = r.content.decode()
    for label in ("Answered automatically", "First response, median", "Resolution, 90th percentile",
                  "First-response SLA breached", "CSAT", "Handed to agents"):
        assert label in html
    assert "▼ 7.0 h, better" in html  # median first response 9 h -> 2 h
    charts = {c.name: c for c in r.context["charts"]}
    for name in ("first_response", "resolution", "breaches", "backlog"):
        spec = json.loads(charts[name].spec)
        assert spec["layout"]["meta"] == {"links": True}
        assert all(link.startswith("/admin/supportdesk/inquiry/?") for link in spec["data"][0]["customdata"])
        assert spec["layout"]["xaxis"]["title"]["text"] and spec["layout"]["yaxis"]["title"]["text"]
    assert 'href="/admin/supportdesk/inquiry/?assigned_to__id__exact=' in html and ">carol</a>" in html


def test_an_empty_range_explains_itself(client, admin_user, db):
    client.force_login(admin_user)
    html = client.get("/dashboards/operations/?start=2020-01-01&end=2020-01-31").content.decode()
    assert "No agent reply to an inquiry submitted between" in html
    assert "No agent held a ticket submitted in this range." in html


def test_a_start_after_the_end_is_a_400_with_the_reason(client, admin_user, db):
    client.force_login(admin_user)
    r = client.get("/dashboards/operations/?start=2026-03-10&end=2026-03-01")
    assert r.status_code == 400 and "is after the end date" in r.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "agent", "customer"])
def test_only_admins_open_it(client, who, bob_agent, alice):
    if who != "anonymous":
        client.force_login({"agent": bob_agent, "customer": alice}[who])
    r = client.get("/dashboards/operations/")
    assert r.status_code in (302, 403)
