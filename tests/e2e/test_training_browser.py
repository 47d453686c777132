"""The model page in a real browser: "Retrain now" runs on the real worker and the run's stage,
epoch and loss arrive live over the websocket (vendored JS under the CSP)."""

import re

import pytest
from playwright.sync_api import expect

from mlcore.models import TrainingRun
from mlcore.services import starter_load
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_retrain_now_shows_progress_live(asgi_server, celery_worker_process, active_model, page, dialogs, login):
    starter_load()
    UserFactory(username="root", roles=["admin"], is_staff=True, is_superuser=True)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    login(page, asgi_server, "root")
    page.goto(asgi_server + "/models/")
    expect(page.locator("h1")).to_have_text("Models")
    page.click("text=Retrain now")
    run = TrainingRun.objects.get()
    row = page.locator(f'tr[data-run="{run.pk}"]')
    expect(row).to_be_visible()
    # Pushed while the worker trains: an epoch count out of the total appears without a reload.
    expect(row.locator('[data-field="epoch"]')).to_contain_text("/", timeout=120_000)
    expect(row.locator('[data-field="status"]')).to_have_text(
        re.compile("succeeded|rejected"), timeout=120_000)
    run.refresh_from_db()
    assert run.model_version is not None
    expect(page.locator("table.versions")).to_contain_text(run.model_version.version, timeout=10_000)
    assert any('"stage": "train"' in f and '"epochs": 3000' in f for f in frames), frames[:3]  # pushed live
    assert dialogs == [] and not [e for e in errors if "Content Security Policy" in e]
