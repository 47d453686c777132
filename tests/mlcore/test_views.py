import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from config.asgi import application
from mlcore.models import DriftReport, ModelVersion, TrainingRun
from mlcore.progress import trainingrun_push
from tests.core.test_csp import directives
from tests.factories import UserFactory


def test_model_page_lists_versions_runs_and_drift(client, admin_user, active_model):
    run = TrainingRun.objects.create(
        trigger="gold_labels", reason="<b>200 new gold labels</b>", status="rejected", stage="done", epoch=3000,
        epochs=3000, loss=0.1234, snapshot_id="f" * 32, snapshot_stats={"train": 500, "eval": 90, "replay": 4,
                                                                        "feedback": 7},
        metrics={"candidate": {"n": 90, "accuracy": 0.8, "macro_f1": 0.7, "ece": 0.05},
                 "active": {"n": 90, "accuracy": 0.9, "macro_f1": 0.85, "ece": 0.04}, "active_version": "v1"},
        decision="less accurate than the active version")
    DriftReport.objects.create(level="warning", model_version=active_model, psi_class=0.12, psi_confidence=0.05,
                               n_recent=80, n_reference=600, window_hours=168,
                               details={"labels": ["a", "b"], "reference_classes": [5, 5], "recent_classes": [7, 3],
                                        "reference_confidence": [1] * 10, "recent_confidence": [2] * 10})
    client.force_login(admin_user)
    r = client.get(reverse("models:index"))
    assert r.status_code == 200
    html = r.content.decode()
    assert f'data-run="{run.pk}"' in html and "0.800 / 0.900" in html and "fffffffffff" in html
    assert "&lt;b&gt;200 new gold labels&lt;/b&gt;" in html  # escaped
    assert "Warning" in html and 'data-chart="chart-drift_classes"' in html
    # The runs table is a live region like the others (live.js; no script of its own).
    assert 'data-live-ws="/ws/admin/training/"' in html and f'data-live-refresh="{reverse("models:runs")}"' in html
    assert "training.js" not in html and f'id="run-{run.pk}" data-run="{run.pk}" data-final' in html
    # Each version's decisions on its held-out split, and the thresholds it recommends.
    m, t = active_model.metrics, active_model.thresholds
    assert f"upset caught {m['upset_recall']:.3f}" in html and f"calm flagged {m['upset_false_alarms']:.3f}" in html
    assert f"novelty {t['novelty']}" in html and f"upset {t['upset']}" in html
    csp = r["Content-Security-Policy"]  # 'self' covers the runs table's socket; no script is inline
    policy = directives(csp)  # parsed: django-csp does not promise an order of directives
    assert policy["connect-src"] == ["'self'"] and "'unsafe-inline'" not in policy["script-src"]


def test_retrain_button_queues_one_run(client, admin_user, active_model, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        r = client.post(reverse("models:retrain"))
        assert r.status_code == 302
        client.post(reverse("models:retrain"))
    run = TrainingRun.objects.get()
    assert run.trigger == "manual" and run.status == "queued" and run.requested_by == admin_user
    r = client.get(reverse("models:run", args=[run.pk]))
    assert r.json()["run"]["status"] == "queued"
    assert client.get(reverse("models:run", args=[run.pk + 99])).status_code == 404


def test_runs_fragment_is_the_table_the_page_includes(client, admin_user, active_model):
    queued = TrainingRun.objects.create(trigger="manual", status="running", stage="train", epoch=50, epochs=3000,
                                        loss=0.51234)
    client.force_login(admin_user)
    r = client.get(reverse("models:runs"))
    assert r.status_code == 200
    html = r.content.decode()
    assert html.lstrip().startswith("<table") and "<h1>" not in html and "data-final" not in html
    assert f'data-run="{queued.pk}"' in html and "50/3000" in html and "0.5123" in html
    assert html.strip() in client.get(reverse("models:index")).content.decode()  # the page includes the same HTML
    TrainingRun.objects.filter(pk=queued.pk).update(status="succeeded", stage="done", epoch=3000,
                                                    decision="more accurate than the active version")
    html = client.get(reverse("models:runs")).content.decode()
    assert f'data-run="{queued.pk}" data-final' in html and "more accurate than the active version" in html


def test_runs_fragment_is_for_admins(client, active_model):
    url = reverse("models:runs")
    r = client.get(url)
    assert r.status_code == 302 and "login" in r["Location"]
    client.force_login(UserFactory(username="bob", roles=["agent", "annotator", "reviewer"]))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code in (403, 405)


def test_retrain_needs_csrf(admin_user, active_model):
    from django.test import Client

    c = Client(enforce_csrf_checks=True)
    c.force_login(admin_user)
    assert c.post(reverse("models:retrain")).status_code == 403
    assert not TrainingRun.objects.exists()


def test_admin_promotes_and_rejects_candidates(client, admin_user, active_model, trained_version):
    ModelVersion.objects.create(**{**trained_version, "version": "v2", "status": "candidate"})
    ModelVersion.objects.create(**{**trained_version, "version": "v3", "status": "candidate"})
    client.force_login(admin_user)
    client.post(reverse("models:promote", args=["v2"]))
    assert ModelVersion.objects.get(version="v2").status == "active"
    client.post(reverse("models:reject", args=["v3"]), {"reason": "too eager"})
    v3 = ModelVersion.objects.get(version="v3")
    assert v3.status == "rejected" and "too eager" in v3.note and "root" in v3.note
    r = client.post(reverse("models:reject", args=["v2"]), follow=True)  # the active one: refused, with a message
    assert ModelVersion.objects.get(version="v2").status == "active" and "roll back" in r.content.decode()
    r = client.post(reverse("models:promote", args=["v3"]), follow=True)
    assert ModelVersion.objects.get(version="v3").status == "rejected" and "cannot be promoted" in r.content.decode()


@pytest.mark.django_db(transaction=True)
async def test_training_socket_is_for_admins_and_carries_hints():
    async def connect(user):
        comm = WebsocketCommunicator(application, "/ws/admin/training/",
                                     headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")])
        if user is not None:
            comm.scope["user"] = user
        connected, code = await comm.connect(timeout=5)
        if not connected:
            await comm.disconnect()  # the consumer ends, as after a server's refusal (tests/supportdesk/test_consumers)
        return comm, connected, code

    agent = await sync_to_async(UserFactory)(username="bob", roles=["agent"])
    for user in (None, agent):
        _, connected, code = await connect(user)
        assert not connected and code == 4403
    admin = await sync_to_async(UserFactory)(username="root", roles=["admin"], is_staff=True)
    comm, connected, _ = await connect(admin)
    assert connected
    run = await sync_to_async(TrainingRun.objects.create)(trigger="manual", status="running", stage="train",
                                                          epoch=50, epochs=3000, loss=0.5)
    await sync_to_async(trainingrun_push)(run=run)
    # A hint like every other socket's: which run changed, never its state (the page refetches models:runs).
    assert await comm.receive_json_from(timeout=5) == {"changed": run.pk}
    await comm.disconnect()


def test_rollback_and_rollouts_from_the_model_page(client, admin_user, active_model, trained_version):
    from mlcore.models import Rollout

    ModelVersion.objects.create(**{**trained_version, "version": "v2", "status": "candidate"})
    client.force_login(admin_user)
    assert client.post(reverse("models:rollback")).status_code == 302
    assert "no earlier version" in client.get(reverse("models:index")).content.decode()
    client.post(reverse("models:rollout-start", args=["v2", "canary"]))
    rollout = Rollout.objects.get(status="running")
    assert rollout.mode == "canary" and rollout.candidate.version == "v2"
    html = client.get(reverse("models:index")).content.decode()
    assert "Canary rollout of <strong>v2</strong>" in html and "Halt the rollout" in html
    client.post(reverse("models:rollout-start", args=["v2", "sideways"]))
    assert Rollout.objects.count() == 1
    client.post(reverse("models:rollout-halt"))
    assert Rollout.objects.get().status == "halted"
    client.post(reverse("models:promote", args=["v2"]))
    assert ModelVersion.objects.get(status="active").version == "v2"
    client.post(reverse("models:rollback"))
    assert ModelVersion.objects.get(status="active").version == active_model.version


def test_the_model_page_says_which_new_categories_are_held_back(client, admin_user, db, settings):
    from mlcore.models import NewCategory, TrainingExample

    settings.SUPPORTLOOP_NEW_CATEGORY_MIN_GOLD = 2
    NewCategory.objects.create(name="card_arrival")
    NewCategory.objects.create(name="<b>odd</b>")
    TrainingExample.objects.create(text="card", category="card_arrival", source="gold")
    client.force_login(admin_user)
    html = client.get(reverse("models:index")).content.decode()
    assert "<strong>Card arrival</strong>: 1 of 2 gold labels — held back from training until then" in html
    assert "&lt;b&gt;odd&lt;/b&gt;" in html
    TrainingExample.objects.create(text="card 2", category="card_arrival", source="gold")
    html = client.get(reverse("models:index")).content.decode()
    assert "2 of 2 gold labels — included in the next training" in html


def test_the_model_page_shows_the_audit_of_automatic_answers_per_version(client, admin_user, active_model, settings):
    from django.utils import timezone

    from mlcore.categories import category_guide_update
    from tests.factories import PredictionFactory

    settings.SUPPORTLOOP_AUDIT_SHARE = 0.02
    ModelVersion.objects.create(version="v-new", status="candidate", artifact_prefix="x", sha256="y", snapshot_id="z")
    v = active_model.version
    for i in range(10):
        PredictionFactory(model_version=v, category="delivery", audit_propensity=0.02, audited_at=timezone.now(),
                          audit_category="delivery" if i < 9 else "refund")
    PredictionFactory(model_version=v, audit_propensity=0.02)  # drawn, not labeled yet
    PredictionFactory.create_batch(20, model_version=v)
    cat = next(iter((active_model.metrics.get("heldout") or active_model.metrics)["per_category_accuracy"]))
    category_guide_update(name=cat, display_name="Shown <as> this")
    client.force_login(admin_user)
    r = client.get(reverse("models:index"))
    html = r.content.decode()
    assert "Audit of automatic answers" in html and "A random 2% of automatic answers" in html
    rows = {a.version: a for a in r.context["audits"]}
    assert (rows[v].automatic, rows[v].drawn, rows[v].estimate.n, rows[v].pending) == (31, 11, 10, 1)
    assert "0.900" in html and "0.596–0.982" in html  # Wilson's 95% interval for 9 of 10
    new_row = html.split('<tr data-version="v-new">', 1)[1].split("</tr>", 1)[0]
    assert "not audited yet" in new_row
    assert "Shown &lt;as&gt; this: " in html  # categories by their display name, escaped
