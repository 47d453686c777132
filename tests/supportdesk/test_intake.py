"""The escalation rules end to end through the API, with the session's real model (starter data)."""

import json

import pytest

from supportdesk import rules
from supportdesk.models import Inquiry

URL = "/api/inquiries/"


def submit(client, text, **extra):
    r = client.post(URL, data=json.dumps({"text": text, **extra}), content_type="application/json")
    assert r.status_code == 201, r.content
    return r.json()


@pytest.mark.parametrize("text", [
    "I still haven't received my card",
    "I don't know what I have to do to download my invoice",
    "My package never arrived, order 12345",
])
def test_a_calm_problem_statement_is_not_taken_for_anger(client, active_model, text):
    body = submit(client, text)
    assert rules.NEGATIVE_SENTIMENT not in body["reasons"]
    inquiry = Inquiry.objects.get(pk=body["id"])
    assert inquiry.upset is not None and inquiry.upset < active_model.thresholds["upset"]


@pytest.mark.parametrize("text", [
    "This is the third time I am writing. Order 98765 is lost, nobody answers, terrible service!",
    "where is my goddamn refund",
    "THIS IS UNACCEPTABLE. I want my money back today or I am going to my bank.",
])
def test_an_upset_customer_goes_to_a_person(client, active_model, text):
    body = submit(client, text)
    assert body["escalated"] and rules.NEGATIVE_SENTIMENT in body["reasons"]
    assert Inquiry.objects.get(pk=body["id"]).upset >= active_model.thresholds["upset"]


def test_a_question_unlike_any_category_is_out_of_scope(client, active_model):
    body = submit(client, "what is the boiling point of mercury in kelvin")
    assert body["escalated"]
    assert rules.OUT_OF_SCOPE in body["reasons"] or rules.LOW_CONFIDENCE in body["reasons"]
    assert Inquiry.objects.get(pk=body["id"]).novelty > active_model.thresholds["novelty"] - 1.0


def test_a_second_inquiry_from_the_same_email_is_a_repeat_contact(client, active_model):
    first = submit(client, "How do I reset my password?", email="Dana@Example.com")
    assert rules.REPEAT_CONTACT not in first["reasons"]
    second = submit(client, "How do I change the email on my profile?", email="dana@example.com")
    assert second["escalated"] and rules.REPEAT_CONTACT in second["reasons"]
    other = submit(client, "How do I change the email on my profile?", email="erin@example.com")
    assert rules.REPEAT_CONTACT not in other["reasons"]


def test_model_thresholds_are_in_the_manifest(active_model):
    assert set(active_model.thresholds) >= {"confidence", "margin", "novelty", "upset"}
    assert 0.5 <= active_model.thresholds["upset"] <= 0.95
