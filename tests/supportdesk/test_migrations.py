"""Upgrading keeps history: classified inquiries, their feedback and shadow rows reach mlcore's log."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("mlcore", "0005_trainingexample_upset"), ("supportdesk", "0006_inquiry_upset_novelty"),
          ("feedback", "0003_clusters"), ("labeling", None)]
AFTER = [("mlcore", "0006_prediction_log"), ("supportdesk", "0007_prediction_log_backfill"),
         ("feedback", "0004_prediction_feedback_backfill")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([t for t in targets if t[1] is not None] + [t for t in targets if t[1] is None])
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.fixture
def migrator(transactional_db):
    yield _migrate
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # the schema every other test expects


def test_the_prediction_log_is_filled_from_existing_inquiries(migrator):
    old = migrator(BEFORE)
    Inquiry, Feedback = old.get_model("supportdesk", "Inquiry"), old.get_model("feedback", "ExplicitFeedback")
    Rollout, Version = old.get_model("mlcore", "Rollout"), old.get_model("mlcore", "ModelVersion")
    Shadow = old.get_model("mlcore", "ShadowPrediction")
    answered = Inquiry.objects.create(text="where is it", token="m-1", status="answered_auto", category="delivery",
                                      confidence=0.93, sentiment=0.1, model_version="v1")
    corrected = Inquiry.objects.create(text="money back", token="m-2", status="escalated", category="delivery",
                                       confidence=0.41, model_version="v1", escalation_reasons=["low_confidence"],
                                       confirmed_category="refund")
    Inquiry.objects.create(text="nobody answered", token="m-3", status="escalated",
                           escalation_reasons=["model_unavailable"])
    Feedback.objects.create(inquiry=answered, rating=5, score=0.9)
    v2 = Version.objects.create(version="v2", artifact_prefix="x", sha256="0" * 64, snapshot_id="s")
    rollout = Rollout.objects.create(candidate=v2, mode="shadow", stage_started_at=timezone.now())
    Shadow.objects.create(inquiry=answered, rollout=rollout, model_version="v2", category="delivery",
                          confidence=0.9, escalated=False, agrees=True, latency_ms=3.0)

    new = migrator(AFTER)
    Prediction = new.get_model("mlcore", "Prediction")
    rows = {p.ref: p for p in Prediction.objects.all()}
    assert set(rows) == {str(answered.pk), str(corrected.pk)}  # the unanswered one predicted nothing
    a, c = rows[str(answered.pk)], rows[str(corrected.pk)]
    assert (a.model_version, a.category, a.escalated, a.feedback_score) == ("v1", "delivery", False, 0.9)
    assert (c.escalated, c.confirmed_category, c.feedback_score) == (True, "refund", None)
    assert c.confirmed_at is not None
    assert new.get_model("mlcore", "ShadowPrediction").objects.get().ref == str(answered.pk)


def test_resolved_tickets_without_a_resolution_time_get_their_last_change(migrator):
    old = migrator([("supportdesk", "0011_notes_and_saved_replies")])
    Inquiry = old.get_model("supportdesk", "Inquiry")
    legacy = Inquiry.objects.create(text="closed long ago", token="r-1", status="resolved")
    recorded = Inquiry.objects.create(text="closed today", token="r-2", status="resolved",
                                      resolved_at=timezone.now())
    still_open = Inquiry.objects.create(text="open", token="r-3", status="escalated")
    new = migrator([("supportdesk", "0012_resolved_order")]).get_model("supportdesk", "Inquiry")
    assert new.objects.get(pk=legacy.pk).resolved_at == new.objects.get(pk=legacy.pk).updated_at
    assert new.objects.get(pk=recorded.pk).resolved_at == recorded.resolved_at
    assert new.objects.get(pk=still_open.pk).resolved_at is None
