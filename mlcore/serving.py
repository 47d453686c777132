"""The per-process model registry: which bundle answers, loaded lazily and swapped in place.

A request takes a reference to one Predictor and finishes on it, whatever changes meanwhile.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

from mlcore.runtime import BundleError, Predictor


class ModelUnavailable(Exception):
    pass


_lock = threading.Lock()
_loaded: dict[str, Predictor] = {}
_state = {"version": None, "checked_at": 0.0}
KEEP_LOADED = 2  # the active version and the one before it, so a rollback is instant


def _active_row():
    from mlcore.selectors import modelversion_active

    return modelversion_active()


def predictor_active() -> Predictor:
    now = time.monotonic()
    version = _state["version"]
    if version in _loaded and now - _state["checked_at"] < settings.SUPPORTLOOP_MODEL_CHECK_SECONDS:
        return _loaded[version]
    with _lock:
        mv = _active_row()
        _state["checked_at"] = time.monotonic()
        if mv is None:
            raise ModelUnavailable("no active model version")
        if mv.version not in _loaded:
            from mlcore.services import bundle_local_dir

            try:
                predictor = Predictor(directory=bundle_local_dir(mv=mv), threads=settings.SUPPORTLOOP_ONNX_THREADS,
                                      version=mv.version)
            except (BundleError, OSError) as exc:
                if version in _loaded:
                    return _loaded[version]  # keep serving what works
                raise ModelUnavailable(str(exc)) from exc
            _loaded[mv.version] = predictor
            for old in [v for v in _loaded if v not in (mv.version, version)][: max(0, len(_loaded) - KEEP_LOADED)]:
                del _loaded[old]
        _state["version"] = mv.version
        return _loaded[mv.version]


def serving_reset() -> None:
    """Forget loaded predictors (tests, and after a database switch)."""
    with _lock:
        _loaded.clear()
        _state.update(version=None, checked_at=0.0)
