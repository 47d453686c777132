"""The JSON API's parser and error answers (core/api.py): bad bodies are clear 4xx in JSON, never a 500."""

import json

import pytest
from rest_framework.test import APIClient

from supportdesk.models import Inquiry

URL = "/api/inquiries/"


@pytest.fixture
def api(db, settings):
    settings.SUPPORTLOOP_RATE_CAPACITY = 0  # no bucket in the way
    return APIClient()


def _deep(depth: int) -> str:
    return '{"text": ' + "[" * depth + "]" * depth + "}"


def test_a_document_nested_too_deeply_is_a_400_naming_it(api):
    r = api.post(URL, _deep(5000), content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"] == "application/json"
    assert "nested too deeply" in r.json()["detail"]
    assert not Inquiry.objects.exists()


def test_the_agent_api_answers_the_same(db, bob_agent):
    client = APIClient()
    client.force_authenticate(bob_agent)
    r = client.post("/api/agent/tickets/1/reply/", _deep(5000), content_type="application/json")
    assert r.status_code == 400 and "nested too deeply" in r.json()["detail"]


def test_a_body_over_the_limit_is_a_413_in_json(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = api.post(URL, json.dumps({"text": "x" * 20_000}), content_type="application/json")
    assert r.status_code == 413 and "at most 10000 bytes" in r.json()["detail"]
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize("kind", ["multipart", "form"])
def test_form_and_multipart_bodies_are_refused_not_parsed(api, kind):
    if kind == "multipart":
        r = api.post(URL, {"text": "Where is my parcel?"}, format="multipart")
    else:
        r = api.post(URL, "text=Where+is+my+parcel%3F", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 415 and "Unsupported media type" in r.json()["detail"]
    assert not Inquiry.objects.exists()


def test_plain_json_still_works(api, active_model):
    r = api.post(URL, {"text": "Where is my parcel? It is late."}, format="json")
    assert r.status_code == 201 and Inquiry.objects.count() == 1


def test_the_agent_api_refuses_a_body_over_the_limit_before_reading_it(db, bob_agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = APIClient()
    client.force_authenticate(bob_agent)
    r = client.post("/api/agent/tickets/1/reply/", json.dumps({"body": "x" * 5_000}), content_type="application/json")
    assert r.status_code == 413 and "at most 1000 bytes" in r.json()["detail"]
