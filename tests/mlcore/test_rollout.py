"""Shadow and canary rollouts end to end in one process: routing, logging, stage decisions."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from mlcore.models import ModelVersion, Rollout, ShadowPrediction
from mlcore.rollout import rollout_evaluate, rollout_halt, rollout_start
from mlcore.services import PromotionError
from mlcore.serving import predictor_active, serving_status
from tests.factories import PredictionFactory
from tests.mlcore.conftest import version_register

TEXT = "My package never arrived, order 12345"


def post(client, text=TEXT):
    r = client.post("/api/inquiries/", {"text": text}, content_type="application/json")
    assert r.status_code == 201
    assert r["X-Model-Version"] == r.json()["model_version"]
    return r


def test_shadow_scores_every_inquiry_but_never_answers(active_model, trained_version, fresh_serving, client):
    version_register(trained_version=trained_version, version="v2")
    rollout = rollout_start(version="v2", mode="shadow")
    for _ in range(3):
        assert post(client)["X-Model-Version"] == "v1"
    assert serving_status()["candidate"] == "v2"
    shadows = ShadowPrediction.objects.filter(rollout=rollout)
    assert shadows.count() == 3 and set(shadows.values_list("model_version", flat=True)) == {"v2"}
    assert all(s.agrees for s in shadows)  # the same bundle under another name
    rollout_halt(reason="enough")
    post(client)
    assert shadows.count() == 3 and serving_status()["candidate"] == ""


@override_settings(SUPPORTLOOP_CANARY_STAGES=[0.5, 1.0])
def test_a_canary_answers_its_share_and_says_so(active_model, trained_version, fresh_serving, client):
    version_register(trained_version=trained_version, version="v2")
    rollout_start(version="v2", mode="canary")
    answered = [post(client, f"{TEXT} #{i}")["X-Model-Version"] for i in range(40)]
    assert 5 <= answered.count("v2") <= 35 and answered.count("v1") + answered.count("v2") == 40
    assert predictor_active().version == "v1"


@override_settings(SUPPORTLOOP_CANARY_MIN_SAMPLES=5, SUPPORTLOOP_CANARY_MIN_STAGE_SECONDS=0)
def test_evaluation_advances_through_the_stages_then_promotes(active_model, trained_version, fresh_serving):
    version_register(trained_version=trained_version, version="v2")
    rollout = rollout_start(version="v2", mode="canary")
    assert rollout.fraction == 0.01
    assert rollout_evaluate().action == "hold"
    for fraction in (0.05, 0.25, 0.5):
        _arms(canary_escalated=1, active_escalated=1)
        decision = rollout_evaluate()
        rollout.refresh_from_db()
        assert decision.action == "advance" and rollout.fraction == fraction
    _arms(canary_escalated=1, active_escalated=1)
    assert rollout_evaluate().action == "complete"
    rollout.refresh_from_db()
    assert rollout.status == "completed" and ModelVersion.objects.get(version="v2").status == "active"
    assert predictor_active().version == "v2"


@override_settings(SUPPORTLOOP_CANARY_MIN_SAMPLES=20, SUPPORTLOOP_CANARY_MIN_STAGE_SECONDS=0)
def test_a_canary_escalating_more_is_halted_and_traffic_returns(active_model, trained_version, fresh_serving):
    version_register(trained_version=trained_version, version="v2")
    rollout = rollout_start(version="v2", mode="canary")
    _arms(canary_escalated=15, active_escalated=2, n=20)
    decision = rollout_evaluate()
    rollout.refresh_from_db()
    assert decision.action == "halt" and rollout.status == "halted" and "escalation rate 75.0%" in rollout.reason
    assert ModelVersion.objects.get(version="v1").status == "active"
    assert predictor_active().version == "v1" and serving_status()["candidate"] == ""


def test_only_one_rollout_and_never_of_a_rejected_or_active_version(active_model, trained_version):
    version_register(trained_version=trained_version, version="v2")
    version_register(trained_version=trained_version, version="v3", status="rejected")
    with pytest.raises(PromotionError, match="active"):
        rollout_start(version="v1", mode="canary")
    with pytest.raises(PromotionError, match="rejected"):
        rollout_start(version="v3", mode="shadow")
    with pytest.raises(PromotionError, match="mode"):
        rollout_start(version="v2", mode="blue-green")
    rollout_start(version="v2", mode="shadow")
    with pytest.raises(PromotionError, match="running"):
        rollout_start(version="v2", mode="canary")


def test_the_rollout_command(active_model, trained_version, capsys):
    version_register(trained_version=trained_version, version="v2")
    call_command("rollout", "start", "v2", "--mode", "canary")
    call_command("rollout", "status")
    call_command("rollout", "halt")
    out = capsys.readouterr().out
    assert "started: canary v2 at 1%" in out and "halted" in out
    assert Rollout.objects.get().status == "halted"


def _arms(*, canary_escalated: int, active_escalated: int, n: int = 5) -> None:
    for version, escalated in (("v2", canary_escalated), ("v1", active_escalated)):
        for i in range(n):
            PredictionFactory(model_version=version, escalated=i < escalated)


def test_admin_actions_start_a_canary_and_halt_it(active_model, trained_version, admin_user, client):
    v2 = version_register(trained_version=trained_version, version="v2")
    client.force_login(admin_user)
    r = client.post("/admin/mlcore/modelversion/", {"action": "start_canary", "_selected_action": [v2.pk]},
                    follow=True)
    assert r.status_code == 200 and Rollout.objects.get().status == "running"
    rollout = Rollout.objects.get()
    r = client.post("/admin/mlcore/rollout/", {"action": "halt", "_selected_action": [rollout.pk]}, follow=True)
    rollout.refresh_from_db()
    assert rollout.status == "halted" and "admin" in rollout.reason
    r = client.post("/admin/mlcore/modelversion/", {"action": "promote", "_selected_action": [v2.pk]}, follow=True)
    assert ModelVersion.objects.get(version="v2").status == "active"
