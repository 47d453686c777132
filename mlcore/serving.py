"""The per-process model registry: which bundle answers, loaded beside the old one and swapped in place.

A request takes a reference to one Predictor and finishes on it, whatever changes meanwhile. The
routing (active version, and a shadow or canary candidate) is read from the database by one
background thread per process, woken by a Redis message on every promotion (mlcore.swap) and, as a
fallback, every SUPPORTLOOP_MODEL_CHECK_SECONDS. A new bundle is loaded and checked before the
switch, so requests never wait for a load (except the very first one of a process) and a broken
bundle is refused while the loaded version keeps serving. SUPPORTLOOP_MODEL_CHECK_SECONDS=0 checks
inline on every call instead (tests: their data is only visible to the test's own connection).

All of it is one ServingRegistry per process (core.process.PerProcess): a forked child (Celery
prefork, gunicorn) starts with nothing loaded and loads on its first request, as a new process does.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from core.process import PerProcess
from mlcore.runtime import BundleError, Predictor
from mlcore.selectors import modelversion_active, rollout_running
from mlcore.services import bundle_local_dir
from mlcore.validate import golden_disagreement

logger = logging.getLogger(__name__)


class ModelUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Routing:
    active: str
    candidate: str = ""
    mode: str = ""  # "shadow" or "canary" while a rollout runs
    fraction: float = 0.0


KEEP_LOADED = 2  # the active version and the one before it, so a rollback is instant
VERIFY_TEXTS = 8
REFUSED_RETRY_SECONDS = 60.0

def canary_bucket(key: str) -> float:
    """A stable number in [0, 1) per key: the same inquiry always lands on the same side."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


SERVING_GOLDEN_ATOL = 0.05


def predictor_verify(predictor: Predictor) -> None:
    """Run a few of the trainer's golden texts; BundleError unless shapes, finiteness and answers agree."""
    golden = predictor.manifest.golden or {}
    texts = list(golden.get("texts") or [])[:VERIFY_TEXTS]
    if not texts:
        raise BundleError("no golden texts to verify the bundle with")
    probs, emb, sent = predictor.run(texts)
    if sent.shape != (len(texts),):
        raise BundleError(f"wrong sentiment shape {sent.shape}")
    if not (np.isfinite(probs).all() and np.isfinite(emb).all() and np.isfinite(sent).all()):
        raise BundleError("non-finite outputs")
    expected = np.asarray(golden.get("probabilities") or [], dtype=np.float32)[: len(texts)]
    # Looser than the validator's: another machine's int8 kernels may round differently, yet a wrong
    # or damaged bundle still misses by far more.
    if reason := golden_disagreement(probs=probs, expected=expected, atol=SERVING_GOLDEN_ATOL):
        raise BundleError(reason)


def _routing_read() -> tuple[Routing | None, dict[str, object]]:
    """The routing the database asks for, and the ModelVersion rows it names."""
    active = modelversion_active()
    if active is None:
        return None, {}
    rows: dict[str, object] = {active.version: active}
    rollout = rollout_running()
    if rollout is None or rollout.candidate_id == active.pk:
        return Routing(active=active.version), rows
    rows[rollout.candidate.version] = rollout.candidate
    return Routing(active=active.version, candidate=rollout.candidate.version, mode=rollout.mode,
                   fraction=rollout.fraction), rows



class ServingRegistry:
    """One process's loaded predictors and routing (a PerProcess object: a forked child starts empty)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # guards loaded, refused and the state below; never held while loading
        self.load_lock = threading.Lock()  # one load at a time per process
        self.loaded: OrderedDict[str, Predictor] = OrderedDict()  # least recently active first
        self.refused: dict[str, tuple[float, str, tuple[str, str]]] = {}  # version -> (when, reason, (prefix, sha))
        self.routing: Routing | None = None
        self.checked_at = 0.0
        self.swaps = 0

    def _load(self, mv) -> Predictor | None:
        """Load and verify one version, or remember why not (retried after a while)."""
        from mlcore.swap import MODEL_REFUSED

        refused = self.refused.get(mv.version)
        # A row re-registered under the same name with other files is a new candidate: try it at once.
        if refused and refused[2] == (mv.artifact_prefix, mv.sha256) and \
                time.monotonic() - refused[0] < REFUSED_RETRY_SECONDS:
            return None
        try:
            predictor = Predictor(directory=bundle_local_dir(mv=mv), threads=settings.SUPPORTLOOP_ONNX_THREADS,
                                  version=mv.version, batch_max=settings.SUPPORTLOOP_BATCH_MAX,
                                  batch_wait_ms=settings.SUPPORTLOOP_BATCH_WAIT_MS)
            if mv.sha256 and predictor.manifest.sha256 != mv.sha256:
                raise BundleError("bundle sha256 differs from the registered version's")
            predictor_verify(predictor)
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime raises its own types; no candidate may take us down
            reason = str(exc)[:500] or type(exc).__name__
            self.refused[mv.version] = (time.monotonic(), reason, (mv.artifact_prefix, mv.sha256))
            MODEL_REFUSED.labels(mv.version).inc()
            logger.error("model %s refused, keeping the loaded version: %s", mv.version, reason)
            return None
        self.refused.pop(mv.version, None)
        return predictor

    def refresh(self) -> Routing | None:
        """Read the routing, load what is missing beside what serves, then switch in one step."""
        with self.load_lock:
            routing, rows = _routing_read()
            if routing is None:
                with self.lock:
                    self.routing, self.checked_at = None, time.monotonic()
                return None
            fresh = {v: p for v in rows if v not in self.loaded and (p := self._load(rows[v])) is not None}
            with self.lock:
                self.loaded.update(fresh)
                self.checked_at = time.monotonic()
                current = self.routing
                if routing.active not in self.loaded:
                    return current  # refused: keep serving what works
                if routing.candidate and routing.candidate not in self.loaded:
                    routing = Routing(active=routing.active)
                if current is None or current.active != routing.active:
                    self.swaps += 1
                    logger.info("model %s now serves in process %d (was %s)", routing.active, os.getpid(),
                                current.active if current else None)
                self.loaded.move_to_end(routing.active)
                self.routing = routing
                self._evict(keep={routing.active, routing.candidate})
                return routing

    def _evict(self, *, keep: set[str]) -> None:
        # Dropping our reference is enough: a request still holding an evicted Predictor finishes on it.
        limit = KEEP_LOADED + sum(1 for v in keep if v and v in self.loaded) - 1
        for version in list(self.loaded):
            if len(self.loaded) <= limit:
                break
            if version not in keep:
                del self.loaded[version]

    def snapshot(self) -> tuple[Routing, Predictor, Predictor | None]:
        """The routing and its predictors, read together (a swap between two reads could evict one)."""
        check = settings.SUPPORTLOOP_MODEL_CHECK_SECONDS
        if self.routing is None or check <= 0:
            if self.refresh() is None:  # the first request of a process (or tests) waits for the load
                raise ModelUnavailable("no active model version could be loaded")
        else:
            from mlcore.swap import swapper_ensure

            swapper = swapper_ensure()
            if time.monotonic() - self.checked_at >= check:
                swapper.kick()
        with self.lock:
            routing = self.routing
            if routing is None:
                raise ModelUnavailable("no active model version")
            return routing, self.loaded[routing.active], \
                self.loaded.get(routing.candidate) if routing.candidate else None

    def status(self) -> dict:
        with self.lock:
            routing = self.routing
            return {"active": routing.active if routing else None,
                    "candidate": routing.candidate if routing else "", "mode": routing.mode if routing else "",
                    "loaded": list(self.loaded), "swaps": self.swaps,
                    "refused": {v: reason for v, (_, reason, _) in self.refused.items()}}

    def clear(self) -> None:
        with self.load_lock, self.lock:
            self.loaded.clear()
            self.refused.clear()
            self.routing, self.checked_at, self.swaps = None, 0.0, 0


_registry: PerProcess[ServingRegistry] = PerProcess(ServingRegistry, name="mlcore.serving registry")


def serving_refresh() -> Routing | None:
    """Read the routing, load what is missing beside what serves, then switch in one step."""
    return _registry.get().refresh()


def predictor_active() -> Predictor:
    return _registry.get().snapshot()[1]


def predictor_route(*, key: str) -> tuple[Predictor, Predictor | None]:
    """(the predictor that answers this key, a shadow predictor whose answer is only logged, or None)."""
    routing, active, candidate = _registry.get().snapshot()
    if candidate is None:
        return active, None
    if routing.mode == "shadow":
        return active, candidate
    if routing.mode == "canary" and canary_bucket(key) < routing.fraction:
        return candidate, None
    return active, None


def serving_status() -> dict:
    """What this process serves: for /health/ and the tests."""
    return _registry.get().status()


def serving_reset() -> None:
    """Forget loaded predictors (tests, and after a database switch)."""
    _registry.get().clear()
