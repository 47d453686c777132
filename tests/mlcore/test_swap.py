"""The test run's own Redis is stopped and started again while inquiries keep coming in."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from mlcore.services import modelversion_promote
from mlcore.serving import predictor_active
from mlcore.swap import model_change_publish, swapper_ensure
from scripts.redis_server import redis_start
from supportdesk.models import Inquiry
from supportdesk.services import faq_starter_load, inquiry_submit
from tests.mlcore.conftest import version_register
from tests.mlcore.test_serving import wait_for

TEXTS = ["Where is my parcel? It has been two weeks.", "I want a refund for my order",
         "How do I change my password?", "The app crashes when I open it"]


def live_hint_delivered() -> bool:
    """A ticket hint, sent the way pages get them, reaches a listener on the channel layer."""
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from core.realtime import hints_send

    layer = get_channel_layer()

    async def receive(channel: str) -> dict:
        return await asyncio.wait_for(layer.receive(channel), timeout=3)

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            channel = async_to_sync(layer.new_channel)()
            async_to_sync(layer.group_add)("restart-probe", channel)
            hints_send(groups=["restart-probe"], payload={"ticket": 1}, wait=True)
            if async_to_sync(receive)(channel).get("ticket") == 1:
                return True
        except Exception:  # noqa: BLE001 - a pooled connection from before the restart: try again
            time.sleep(0.5)
    return False


@pytest.mark.django_db(transaction=True)
@override_settings(SUPPORTLOOP_MODEL_CHECK_SECONDS=60, SUPPORTLOOP_MODEL_PUSH=True)
def test_a_redis_restart_loses_no_inquiry_and_live_updates_resume(trained_version, fresh_serving):
    root = sys.modules.get("conftest")
    if os.environ.get("TEST_REDIS_URL") or not hasattr(root, "_redis"):
        pytest.skip("needs the test run's private redis-server (not TEST_REDIS_URL)")
    faq_starter_load()
    version_register(trained_version=trained_version, version="v1", status="active")
    version_register(trained_version=trained_version, version="v2")
    version_register(trained_version=trained_version, version="v3")
    assert predictor_active().version == "v1"
    swapper = swapper_ensure()
    wait_for(swapper.connected.is_set, timeout=5)

    submitted, errors, stop = [], [], threading.Event()

    def customers() -> None:
        try:
            i = 0
            while not stop.is_set():
                submitted.append(inquiry_submit(text=f"{TEXTS[i % len(TEXTS)]} (#{i})").pk)
                i += 1
                time.sleep(0.02)
        except Exception as exc:  # noqa: BLE001 - any failure is what this test looks for
            errors.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=customers)
    worker.start()
    try:
        time.sleep(0.5)
        root._redis.terminate()
        root._redis.wait(timeout=10)
        wait_for(lambda: not swapper.connected.is_set(), timeout=5)
        during = len(submitted)
        modelversion_promote(version="v2")  # announced to nobody: Redis is down
        assert model_change_publish(version="v2", event="test") is False
        time.sleep(1.0)
        assert len(submitted) > during  # inquiries kept coming in without Redis
        port = int(settings.REDIS_URL.rsplit(":", 1)[1].split("/")[0])
        root._redis = redis_start(directory=Path(os.environ["SUPPORTLOOP_VAR_DIR"]) / "redis", port=port,
                                  persist=False)
        wait_for(swapper.connected.is_set, timeout=15)  # the listener reconnects (backoff at most 10 s)
        wait_for(lambda: predictor_active().version == "v2", timeout=5)  # and looks again on reconnecting
        promoted = time.monotonic()
        modelversion_promote(version="v3")
        wait_for(lambda: predictor_active().version == "v3", timeout=5)
        assert time.monotonic() - promoted < 5 and swapper.reconnects >= 1
        assert live_hint_delivered(), "websocket hints did not resume after the restart"
        time.sleep(0.3)
    finally:
        stop.set()
        worker.join(timeout=30)
        from config.celery import app

        app.close()  # drops this process's broker connections, which died with the old server; new ones follow
    assert errors == []
    assert len(submitted) > 20
    stored = Inquiry.objects.filter(pk__in=submitted)
    assert stored.count() == len(submitted)
    assert not stored.filter(model_version="").exists()
    assert set(stored.values_list("model_version", flat=True)) >= {"v1", "v3"}
