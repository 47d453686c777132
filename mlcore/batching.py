"""Micro-batching of concurrent calls in one process: the calls that arrive together run as one.

A model call on a batch of 8 short texts costs about half as much per text as 8 single calls (one
thread; bench/classifier.py prints both), and a web process serves several requests at once
(SUPPORTLOOP_WEB_SYNC_THREADS). Here the first caller to find no batch running leads: it takes every
call waiting (at most `max_batch`), runs them in one go on its own thread and hands each caller its
result; the calls that arrive meanwhile wait on a condition (the GIL is free for the model) and form
the next batch. A lone call runs at once: batching only happens when calls overlap, so it adds no
latency at low load. Under load the leader may wait up to `max_wait` seconds for a batch to fill, but
only while batches are forming (the last one had more than one call), so a lone call is never kept
waiting. No library does this for a sync Django process (ONNX Runtime, tokenizers and Triton batch
inside one call or one server); ~100 lines of standard library.

A text's scores move a little with its batch companions (the int8 encoder scales activations per
batch; up to ~0.05 in confidence seen), as they already do in training and evaluation, which embed
in batches; the category of a clear text does not.

One batcher per loaded model (mlcore.runtime.Predictor), so a batch never mixes model versions and a
batch in flight during a hot swap finishes on the version it started with.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Call(Generic[T, R]):
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.done = False


class CallBatcher(Generic[T, R]):
    """`call(item)` returns `run([..., item, ...])[i]`, run on the batch of calls that overlapped it.

    `run` takes a list of items and returns one result per item, in order; if it raises, every call of
    that batch raises the same exception."""

    def __init__(self, *, run: Callable[[list[T]], Sequence[R]], max_batch: int = 8, max_wait: float = 0.0) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        if not 0.0 <= max_wait <= 0.05:
            raise ValueError("max_wait must be between 0 and 0.05 seconds")
        self._run = run
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._pending: deque[_Call[T, R]] = deque()
        self._leading = False
        self._filling = False  # the leader waits for its batch to fill: wake it on every arrival
        self._last_size = 0
        self.batches = 0  # counters for tests and benches: how many batched runs, how many calls in them
        self.calls = 0

    def call(self, item: T) -> R:
        if self.max_batch == 1:  # batching off: no queue, no lock, the caller's own run
            return self._checked_run([item])[0]
        call: _Call[T, R] = _Call(item)
        with self._cond:
            self._pending.append(call)
            if self._filling:
                self._cond.notify_all()
            while not call.done and self._leading:
                self._cond.wait()
            if not call.done:
                self._leading = True
        if not call.done:
            self._lead(own=call)
        if call.error is not None:
            raise call.error
        return call.result  # type: ignore[return-value]

    def _lead(self, *, own: _Call[T, R]) -> None:
        # Lead until this thread's own call is answered (a queue longer than max_batch takes several runs).
        try:
            while not own.done:
                with self._cond:
                    if self.max_wait and self._last_size > 1 and len(self._pending) < self.max_batch:
                        deadline = time.monotonic() + self.max_wait
                        self._filling = True
                        while len(self._pending) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                            self._cond.wait(left)
                        self._filling = False
                    batch = [self._pending.popleft() for _ in range(min(self.max_batch, len(self._pending)))]
                    self._last_size = len(batch)
                self._batch_run(batch)
                with self._cond:
                    for call in batch:
                        call.done = True
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._leading = False
                self._cond.notify_all()  # a waiting caller takes over the rest of the queue

    def _batch_run(self, batch: list[_Call[T, R]]) -> None:
        try:
            results = self._checked_run([call.item for call in batch])
        except BaseException as exc:  # noqa: BLE001 - handed to every caller of the batch, raised there
            for call in batch:
                call.error = exc
        else:
            for call, result in zip(batch, results, strict=True):
                call.result = result
        self.batches += 1
        self.calls += len(batch)

    def _checked_run(self, items: list[T]) -> Sequence[R]:
        results = self._run(items)
        if len(results) != len(items):
            raise RuntimeError(f"batch of {len(items)} gave {len(results)} results")
        return results
