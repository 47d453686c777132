"""mlcore's prediction log: written with each classified inquiry, outcomes reported by the product."""

import pytest

from feedback.services import explicit_feedback_submit
from mlcore.models import Prediction
from mlcore.predictions import prediction_confirm, prediction_feedback_record, prediction_record
from supportdesk.services import inquiry_submit, ticket_category_set, ticket_claim, ticket_reply
from tests.factories import InquiryFactory, PredictionFactory


def test_a_record_keeps_what_the_version_predicted(db):
    p = prediction_record(ref="17", model_version="v3", category="refund", confidence=0.71, sentiment=-0.2,
                          escalated=True)
    p.refresh_from_db()
    assert (p.ref, p.model_version, p.category, p.escalated) == ("17", "v3", "refund", True)
    assert p.confidence == pytest.approx(0.71) and p.confirmed_category == "" and p.feedback_score is None


def test_outcomes_land_on_the_row_of_their_ref(db):
    mine, other = PredictionFactory(ref="5"), PredictionFactory(ref="6")
    assert prediction_confirm(ref="5", category="refund") == 1
    assert prediction_feedback_record(ref="5", score=0.25) == 1
    assert prediction_feedback_record(ref="5", score=None) == 0  # no score given: nothing to record
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.confirmed_category == "refund" and mine.confirmed_at is not None and mine.feedback_score == 0.25
    assert other.confirmed_category == "" and other.feedback_score is None


def test_a_classified_inquiry_is_logged_once_with_its_decision(active_model):
    inquiry = inquiry_submit(text="Where is my parcel? It is three days late.")
    row = Prediction.objects.get(ref=str(inquiry.pk))
    assert row.model_version == inquiry.model_version == active_model.version
    assert row.category == inquiry.category and row.confidence == pytest.approx(inquiry.confidence)
    assert row.escalated == bool(inquiry.escalation_reasons)


def test_an_inquiry_no_model_answered_is_not_logged(db):
    inquiry = inquiry_submit(text="Is anybody there?")  # no model version exists
    assert inquiry.escalation_reasons == ["model_unavailable"]
    assert not Prediction.objects.filter(ref=str(inquiry.pk)).exists()


def test_an_agents_category_and_a_customers_score_reach_the_log(active_model, bob_agent):
    inquiry = inquiry_submit(text="I want my money back for the broken kettle.")
    ticket_claim(inquiry_id=inquiry.pk, agent=bob_agent)
    ticket_category_set(inquiry_id=inquiry.pk, agent=bob_agent, category="refund")
    ticket_reply(inquiry_id=inquiry.pk, agent=bob_agent, body="The refund is on its way.")
    explicit_feedback_submit(inquiry=inquiry, helpful=True, rating=5, comment="", nps=10)
    row = Prediction.objects.get(ref=str(inquiry.pk))
    assert row.confirmed_category == "refund" and row.feedback_score == pytest.approx(1.0)


def test_the_log_knows_nothing_of_inquiries(db):
    InquiryFactory(model_version="v1", category="delivery", confidence=0.9)  # written around the service
    assert Prediction.objects.count() == 0
    assert {f.name for f in Prediction._meta.get_fields() if f.is_relation} == set()
