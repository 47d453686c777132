"""/health/ (config/health.py): the verdict for anyone, each check's detail for staff only."""

import json

import pytest

from mlcore.serving import serving_reset

# The checks run in other threads, on their own connections: the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("query", ["", "?format=json", "?format=text", "?format=openmetrics", "?format=rss"])
def test_anonymous_gets_only_the_verdict(client, active_model, query):
    r = client.get("/health/" + query, HTTP_ACCEPT="text/html")
    assert r.status_code == 200, r.content
    assert r.json() == {"status": "ok"}
    assert "no-cache" in r["Cache-Control"]


def test_anonymous_gets_503_and_no_detail_when_unhealthy(client):
    serving_reset()
    r = client.get("/health/?format=json")
    assert r.status_code == 503
    assert r.json() == {"status": "unavailable"}


def test_an_agent_is_not_staff(client, bob_agent, active_model):
    client.force_login(bob_agent)
    assert client.get("/health/?format=json").json() == {"status": "ok"}


def test_staff_get_each_check(client, admin_user, active_model):
    client.force_login(admin_user)
    r = client.get("/health/?format=json")
    assert r.status_code == 200, r.content
    text = json.dumps(r.json())
    assert "Database" in text and "Redis" in text and "ModelLoaded" in text
    assert "ModelLoaded" in client.get("/health/?format=text").content.decode()


def test_staff_see_what_failed(client, admin_user):
    serving_reset()
    client.force_login(admin_user)
    r = client.get("/health/?format=json")
    assert r.status_code == 503
    assert any("no model can answer" in v for k, v in r.json().items() if "ModelLoaded" in k), r.json()
