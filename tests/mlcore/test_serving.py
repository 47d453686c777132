"""Hot swap (SPEC §6.5): push across a real Redis, the periodic fallback, requests in flight, memory,
and broken candidates refused while the loaded version keeps serving."""

from __future__ import annotations

import gc
import threading
import time

import numpy as np
import psutil
import pytest
from django.test import override_settings

from mlcore.bundle import MODEL_FILE
from mlcore.models import ModelVersion
from mlcore.runtime import BundleError
from mlcore.services import PromotionError, modelversion_promote, modelversion_rollback
from mlcore.serving import KEEP_LOADED, predictor_active, serving_refresh, serving_status
from mlcore.swap import swapper_ensure
from tests.mlcore.conftest import bundle_copy, fake_graph_write, manifest_resign, version_register


def wait_for(predicate, *, timeout: float, step: float = 0.05) -> float:
    """Seconds until predicate() held; fails after timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(step)
    raise AssertionError(f"not within {timeout} s")


@pytest.mark.django_db(transaction=True)
@override_settings(SUPPORTLOOP_MODEL_CHECK_SECONDS=60, SUPPORTLOOP_MODEL_PUSH=True)
def test_a_promotion_is_pushed_through_redis_and_served_within_5_seconds(trained_version, fresh_serving):
    version_register(trained_version=trained_version, version="v1", status="active")
    version_register(trained_version=trained_version, version="v2")
    assert predictor_active().version == "v1"  # the first call loads in the request
    swapper = swapper_ensure()
    wait_for(swapper.connected.is_set, timeout=5)
    promoted = time.monotonic()
    modelversion_promote(version="v2")
    seen = []

    def served_v2() -> bool:
        start = time.monotonic()
        version = predictor_active().version
        seen.append(time.monotonic() - start)
        return version == "v2"

    wait_for(served_v2, timeout=5)
    assert time.monotonic() - promoted < 5
    assert swapper.messages >= 1  # the push did it: the periodic check is a minute away
    assert max(seen) < 0.05  # requests never waited for the load
    assert set(serving_status()["loaded"]) == {"v1", "v2"}  # the previous one stays for an instant rollback
    modelversion_rollback()
    wait_for(lambda: predictor_active().version == "v1", timeout=5)


@pytest.mark.django_db(transaction=True)
@override_settings(SUPPORTLOOP_MODEL_CHECK_SECONDS=0.5, SUPPORTLOOP_MODEL_PUSH=False)
def test_without_push_the_periodic_check_switches(trained_version, fresh_serving):
    version_register(trained_version=trained_version, version="v1", status="active")
    version_register(trained_version=trained_version, version="v2")
    assert predictor_active().version == "v1"
    modelversion_promote(version="v2")
    assert wait_for(lambda: predictor_active().version == "v2", timeout=5) < 5
    assert not swapper_ensure().listener.is_alive()


def test_a_request_in_flight_finishes_on_the_version_it_started_with(active_model, trained_version, fresh_serving):
    version_register(trained_version=trained_version, version="v2")
    started = predictor_active()
    results, errors = [], []

    def in_flight() -> None:
        try:
            for _ in range(20):
                results.append(started.predict("Where is my parcel? It has been two weeks.").model_version)
        except BundleError as exc:  # pragma: no cover - the failure this test is about
            errors.append(exc)

    version_register(trained_version=trained_version, version="v3")
    worker = threading.Thread(target=in_flight)
    worker.start()
    modelversion_promote(version="v2")
    assert predictor_active().version == "v2"
    modelversion_promote(version="v3")  # v1 is no longer kept: the request still holds it
    assert predictor_active().version == "v3" and "v1" not in serving_status()["loaded"]
    worker.join()
    assert errors == [] and results == ["v1"] * 20


def test_memory_does_not_grow_across_repeated_swaps(active_model, trained_version, fresh_serving):
    for i in range(2, 13):
        version_register(trained_version=trained_version, version=f"v{i}")
    process = psutil.Process()

    def swap_to(version: str) -> None:
        modelversion_promote(version=version)
        assert predictor_active().predict("I want a refund for my order").model_version == version

    for v in ("v2", "v3", "v4"):  # two sessions loaded: the plateau
        swap_to(v)
    gc.collect()
    plateau = process.memory_info().rss
    for i in range(5, 13):
        swap_to(f"v{i}")
        assert len(serving_status()["loaded"]) <= KEEP_LOADED
    gc.collect()
    growth_mb = (process.memory_info().rss - plateau) / 2**20
    assert serving_status()["swaps"] >= 11
    # One more session each time would be ~90 MB a swap (over 700 MB for these eight).
    assert growth_mb < 90, f"RSS grew {growth_mb:.0f} MB over 8 swaps"


def _damage_bytes(kind: str, path) -> None:
    data = path.read_bytes()
    path.write_bytes({"empty": b"", "truncated": data[: len(data) // 2],
                      "random-bytes": np.random.default_rng(0).bytes(4096)}[kind])


@pytest.mark.parametrize("kind", ["empty", "truncated", "random-bytes"])
def test_damaged_files_are_refused_at_promotion_and_by_serving(active_model, trained_version, fresh_serving, kind,
                                                               client):
    prefix, directory = bundle_copy(trained_version=trained_version, name=kind)
    version_register(trained_version=trained_version, version="bad", artifact_prefix=prefix)
    assert predictor_active().version == "v1"
    _damage_bytes(kind, directory / MODEL_FILE)
    with pytest.raises(PromotionError, match="sha256"):
        modelversion_promote(version="bad")
    # Worse: the files were swapped after promotion, with a manifest and a row that agree with them.
    sha = manifest_resign(directory)
    ModelVersion.objects.filter(version="bad").update(sha256=sha)
    ModelVersion.objects.filter(version="v1").update(status="retired")
    ModelVersion.objects.filter(version="bad").update(status="active")
    serving_refresh()
    assert "onnxruntime refused" in serving_status()["refused"]["bad"]
    _still_serving_v1(client)


@pytest.mark.parametrize(("kind", "width", "fill", "reason"), [
    ("wrong-shape", 3, 0.3, "wrong output shapes"),
    ("nan", None, float("nan"), "non-finite outputs"),
    ("wrong-answers", None, 0.0, "differ from the trainer's"),  # all classes alike
])
def test_candidates_with_bad_outputs_are_refused_while_serving_continues(
    active_model, trained_version, fresh_serving, client, kind, width, fill, reason,
):
    prefix, directory = bundle_copy(trained_version=trained_version, name=kind)
    fake_graph_write(directory / MODEL_FILE, n_labels=width or len(trained_version["labels"]), fill=fill)
    sha = manifest_resign(directory)
    version_register(trained_version=trained_version, version="bad", artifact_prefix=prefix, sha256=sha)
    assert predictor_active().version == "v1"
    modelversion_promote(version="bad")  # the files are intact: only loading them tells
    assert predictor_active().version == "v1"
    assert reason in serving_status()["refused"]["bad"]
    _still_serving_v1(client)


def _still_serving_v1(client) -> None:
    r = client.post("/api/inquiries/", {"text": "My package never arrived, order 12345"},
                    content_type="application/json")
    assert r.status_code == 201 and r["X-Model-Version"] == "v1" == r.json()["model_version"]


@override_settings(SUPPORTLOOP_MODEL_CHECK_SECONDS=60, SUPPORTLOOP_MODEL_PUSH=False)
def test_a_forked_child_starts_with_nothing_loaded_and_its_own_swapper(active_model, fresh_serving):
    from core.process import PerProcess
    from mlcore import serving, swap
    from tests.core.test_process import in_forked_child

    assert predictor_active().version == "v1"  # loads inline: nothing served yet
    swapper = swapper_ensure()  # a request with a model loaded: the background loader runs
    assert predictor_active().version == "v1" and swapper.loader.is_alive()
    assert isinstance(serving._registry, PerProcess) and isinstance(swap._swapper, PerProcess)

    def child() -> dict:
        inherited = {"registry": serving._registry.peek() is not None, "swapper": swap._swapper.peek() is not None}
        status = serving_status()  # no database here: the parent's connection is not the child's
        mine = swapper_ensure()
        return {"inherited": inherited, "status": status, "loader": mine.loader.is_alive(),
                "new": mine is not swapper}

    seen = in_forked_child(child)
    assert seen["inherited"] == {"registry": False, "swapper": False}
    assert seen["status"] == {"active": None, "candidate": "", "mode": "", "loaded": [], "swaps": 0, "refused": {}}
    assert seen["loader"] and seen["new"]
    assert swapper_ensure() is swapper and serving_status()["active"] == "v1" and "v1" in serving_status()["loaded"]
