"""The model page in a real browser: "Retrain now" runs on the real worker and the run's stage,
epoch and loss arrive live: the websocket carries hints only, the runs table is refetched over
HTTP (live.js, vendored JS under the CSP), and a finished run reloads the page for its version."""

import json
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
    refetches: list[str] = []
    page.on("request", lambda r: refetches.append(r.url) if r.url.endswith("/models/runs/") else None)
    login(page, asgi_server, "root")
    page.goto(asgi_server + "/models/")
    expect(page.locator("h1")).to_have_text("Models")
    page.click("text=Retrain now")
    run = TrainingRun.objects.get()
    row = page.locator(f'tr[data-run="{run.pk}"]')
    expect(row).to_be_visible()
    expect(page.locator("#training-runs")).to_have_attribute("data-live-state", "open")
    page.evaluate("window.notReloaded = true")
    # While the worker trains, an epoch count out of the total and a loss appear without a reload.
    expect(row.locator('[data-field="stage"]')).to_have_text("train", timeout=120_000)
    expect(row.locator('[data-field="epoch"]')).to_have_text(re.compile(r"^[1-9]\d*/3000$"), timeout=60_000)
    expect(row.locator('[data-field="loss"]')).to_have_text(re.compile(r"^\d+\.\d{4}$"), timeout=30_000)
    assert page.evaluate("window.notReloaded === true")
    # A final status: the page reloads and shows the run's result, its metrics and the new version.
    expect(row.locator('[data-field="status"]')).to_have_text(re.compile("succeeded|rejected"), timeout=120_000)
    expect(row).to_have_attribute("data-final", "")
    run.refresh_from_db()
    assert run.model_version is not None
    expect(page.locator("table.versions")).to_contain_text(run.model_version.version, timeout=10_000)
    assert page.evaluate("window.notReloaded === undefined")
    expect(row).to_contain_text("acc ")
    expect(row.locator('[data-field="decision"]')).to_contain_text(run.model_version.version)
    # The socket carried hints only, the same shape as every other page's; the table came over HTTP.
    assert frames and all(json.loads(f) == {"changed": run.pk} for f in frames), frames[:3]
    assert len(refetches) >= 3, refetches
    assert dialogs == [] and not [e for e in errors if "Content Security Policy" in e]
