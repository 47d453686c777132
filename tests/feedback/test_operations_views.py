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


def test_the_audit_card_shows_the_active_versions_audited_accuracy(client, admin_user, db, settings):
    from django.utils import timezone

    from mlcore.models import ModelVersion
    from tests.factories import PredictionFactory

    settings.SUPPORTLOOP_AUDIT_SHARE = 0.02
    ModelVersion.objects.create(version="v1", status="retired", artifact_prefix="a", sha256="x", snapshot_id="s")
    ModelVersion.objects.create(version="v2", status="active", artifact_prefix="b", sha256="y", snapshot_id="t")
    for i in range(4):
        PredictionFactory(model_version="v1", category="delivery", audit_propensity=0.02, audited_at=timezone.now(),
                          audit_category="delivery" if i < 3 else "refund")
    client.force_login(admin_user)
    html = client.get("/dashboards/operations/").content.decode()
    assert "Audited accuracy of automatic answers" in html
    assert "The active version v2: not audited yet" in html and "a random 2% of automatic answers" in html
    PredictionFactory.create_batch(8, model_version="v2", category="delivery", audit_propensity=0.02,
                                   audited_at=timezone.now(), audit_category="delivery")
    PredictionFactory(model_version="v2", audit_propensity=0.02)
    html = client.get("/dashboards/operations/").content.decode()
    assert "<strong>100%</strong> for the active version v2" in html and "(95% interval 68–100%)" in html
    assert "8 of 8 audited answers right; 1 more drawn, awaiting labels." in html
    v1 = html.split('<tr data-version="v1">', 1)[1].split("</tr>", 1)[0]
    assert "75% (30–95%)" in v1
