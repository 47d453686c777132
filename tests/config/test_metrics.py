import json

import pytest


def test_metrics_expose_requests_inference_escalations_tickets_and_model(client, active_model):
    client.post("/api/inquiries/", data=json.dumps({"text": "I want a refund now"}), content_type="application/json")
    text = client.get("/metrics").content.decode()
    assert 'supportloop_tickets{state="escalated"} 1.0' in text
    assert 'supportloop_active_model{version="v1"} 1.0' in text
    assert "supportloop_inference_seconds_bucket" in text
    assert 'supportloop_escalations_total{reason="high_risk"}' in text
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "django_http_responses_total_by_status" in text


@pytest.mark.django_db
def test_metrics_token_is_enforced_when_set(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


def test_metrics_expose_training_runs_and_drift(client, active_model):
    from mlcore.models import DriftReport, TrainingRun

    TrainingRun.objects.create(trigger="manual", status="failed")
    TrainingRun.objects.create(trigger="drift", status="queued")
    DriftReport.objects.create(level="warning", model_version=active_model, psi_class=0.12, psi_confidence=0.03)
    text = client.get("/metrics").content.decode()
    assert 'supportloop_training_runs{status="failed"} 1.0' in text
    assert 'supportloop_training_runs{status="running"} 0.0' in text
    assert 'supportloop_drift_psi{on="class"} 0.12' in text


@pytest.mark.django_db
def test_production_without_a_token_refuses_instead_of_serving_anonymously(client, settings):
    settings.SECURE, settings.METRICS_TOKEN = True, ""
    r = client.get("/metrics")
    assert r.status_code == 403 and "set METRICS_TOKEN" in r.content.decode()
    assert b"supportloop_" not in r.content


@pytest.mark.django_db
def test_production_with_a_token_serves_the_bearer(client, settings):
    settings.SECURE, settings.METRICS_TOKEN = True, "s3cret-token"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200


@pytest.mark.django_db
def test_make_run_without_a_token_stays_open(client, settings):
    settings.SECURE, settings.METRICS_TOKEN = False, ""
    assert client.get("/metrics").status_code == 200


@pytest.mark.django_db
def test_a_non_ascii_bearer_is_a_403_not_a_500(client, settings):
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3crét").status_code == 403
