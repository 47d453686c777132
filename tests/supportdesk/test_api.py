import json

import pytest

from mlcore.models import ModelVersion
from mlcore.serving import serving_reset
from supportdesk.models import Inquiry, TicketEvent

URL = "/api/inquiries/"


def post(client, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", **extra)


def test_submission_returns_the_classification_and_a_ticket_link(client, active_model):
    r = post(client, {"text": "My package never arrived, order 12345", "email": "c@example.com", "name": "Carol"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) >= {"id", "category", "confidence", "margin", "sentiment", "escalated", "reasons", "answer",
                         "model_version", "ticket_url"}
    assert body["category"] == "delivery"
    assert body["model_version"] == "v1" == r["X-Model-Version"]
    assert 0 <= body["margin"] <= body["confidence"] <= 1
    inquiry = Inquiry.objects.get(pk=body["id"])
    assert body["ticket_url"].endswith(f"/t/{inquiry.token}/")
    assert body["escalated"] == (inquiry.status == "escalated")
    assert body["escalated"] == bool(body["reasons"])
    assert inquiry.events.values_list("to_status", flat=True).first() == "received"


def test_confident_answer_is_the_nearest_faq_entry_of_its_category(client, active_model):
    r = post(client, {"text": "How do I subscribe to your newsletter?"})
    body = r.json()
    assert body["escalated"] is False, body
    inquiry = Inquiry.objects.get(pk=body["id"])
    assert inquiry.faq_entry.category == body["category"] == "newsletter"
    assert body["answer"] == inquiry.faq_entry.answer
    assert inquiry.status == "answered_auto"


def test_refund_is_high_risk_and_escalated(client, active_model):
    body = post(client, {"text": "I want my money back for order 5531, please refund me"}).json()
    assert body["category"] == "refund"
    assert body["escalated"] is True and "high_risk" in body["reasons"]
    assert body["answer"] == ""


def test_off_topic_text_is_escalated_as_unfamiliar(client, active_model):
    body = post(client, {"text": "What is the boiling point of nitrogen at sea level?"}).json()
    assert body["escalated"] and {"low_confidence", "out_of_scope"} & set(body["reasons"])


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": 12345}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": None}, "text"),
        ({}, "text"),
        ({"text": "hello", "email": "not-an-email"}, "email"),
        ({"text": "hello", "name": {"first": "x"}}, "name"),
        ({"text": "hello", "name": "n" * 201}, "name"),
        ({"text": "nul \x00 byte"}, "text"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(client, active_model, payload, field):
    r = post(client, payload)
    assert r.status_code == 400
    assert field in r.json()
    assert not Inquiry.objects.exists() and not TicketEvent.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"', ""])
def test_malformed_json_is_a_400(client, active_model, raw):
    r = post(client, raw)
    assert r.status_code == 400
    assert r.json()
    assert not Inquiry.objects.exists()


def test_exactly_5000_characters_is_accepted(client, active_model):
    assert post(client, {"text": "a" * 5000}).status_code == 201


def test_without_a_model_the_inquiry_is_kept_and_escalated(client, db):
    serving_reset()
    assert not ModelVersion.objects.exists()
    r = post(client, {"text": "Where is my parcel?"})
    assert r.status_code == 201
    body = r.json()
    assert body["escalated"] is True and body["reasons"] == ["model_unavailable"]
    assert body["model_version"] == "" and r["X-Model-Version"] == "none"
    assert Inquiry.objects.get().status == "escalated"


def test_broken_active_bundle_escalates_instead_of_failing(client, active_model, settings, tmp_path):
    ModelVersion.objects.filter(pk=active_model.pk).update(artifact_prefix="bundles/missing")
    serving_reset()
    body = post(client, {"text": "Where is my parcel?"}).json()
    assert body["reasons"] == ["model_unavailable"]


def test_openapi_schema_documents_the_inquiry_endpoint(client, db):
    r = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    schema = json.loads(r.content)
    assert "/api/inquiries/" in schema["paths"]


def test_fast_output_equals_the_documented_serializer(client, active_model, rf):
    from supportdesk.serializers import InquiryOutputSerializer, inquiry_output

    body = post(client, {"text": "Where is my parcel?"}).json()
    inquiry = Inquiry.objects.get(pk=body["id"])
    request = rf.get("/")
    documented = InquiryOutputSerializer(inquiry, context={"request": request}).data
    assert inquiry_output(inquiry, request=request) == documented


def test_api_docs_work_under_the_csp_without_inline_script(client, db):
    import re

    page = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script>(?!\s*</script>)", page)  # every script has a src
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_inquiry_is_committed_before_classification_starts(client, active_model, monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from supportdesk.services import intake

    seen = []
    real_predictor_route = intake.predictor_route

    def count_from_another_connection() -> int:
        try:
            return Inquiry.objects.filter(text="Committed first?").count()
        finally:
            connection.close()

    def predictor_route(**kwargs):
        with ThreadPoolExecutor(1) as pool:  # another thread, so another database connection
            seen.append(pool.submit(count_from_another_connection).result(timeout=10))
        return real_predictor_route(**kwargs)

    monkeypatch.setattr(intake, "predictor_route", predictor_route)
    r = post(client, {"text": "Committed first?"})
    assert r.status_code == 201, r.content
    assert seen == [1]
    inquiry = Inquiry.objects.get(pk=r.json()["id"])
    assert inquiry.status in ("answered_auto", "escalated") and inquiry.model_version == "v1"
    assert list(TicketEvent.objects.filter(inquiry=inquiry).values_list("to_status", flat=True)) == [
        "received", inquiry.status]


def test_the_answer_with_the_secret_ticket_link_is_never_cached(client, active_model):
    r = post(client, {"text": "Where is my parcel?"})
    assert r.status_code == 201 and "/t/" in r.json()["ticket_url"]
    assert "no-store" in r["Cache-Control"] and "private" in r["Cache-Control"]
    bad = post(client, {"text": ""})
    assert bad.status_code == 400 and "no-store" in bad["Cache-Control"]
