"""core.process: per-process objects, made once per process and fresh in a forked child."""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import threading
import time
import traceback
import weakref
from collections.abc import Callable

import pytest

from core.process import PerProcess


def in_forked_child(check: Callable[[], object], *, timeout: float = 20.0) -> object:
    """Run check() in a forked child of the test process and return what it returned (JSON-able),
    or fail with what it raised; a child that hangs (a lock held for ever) is killed and fails the test."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never back into pytest, no atexit handlers (they would stop the test Redis)
        try:
            os.close(read)
            try:
                out = {"ok": check()}
            except BaseException:  # noqa: BLE001 - reported to the parent
                out = {"error": traceback.format_exc()}
            with os.fdopen(write, "w") as fh:
                json.dump(out, fh)
        finally:
            os._exit(0)
    os.close(write)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            ready, _, _ = select.select([read], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"the forked child did not finish within {timeout} s")
            chunk = os.read(read, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    out = json.loads(b"".join(chunks) or b'{"error": "the child wrote nothing"}')
    if "error" in out:
        raise AssertionError(f"in the forked child:\n{out['error']}")
    return out["ok"]


class Made:
    """What the factories below make: remembers the process that made it."""

    count = 0

    def __init__(self) -> None:
        Made.count += 1
        self.pid = os.getpid()
        self.serial = Made.count


def test_get_makes_one_object_per_process_even_under_concurrent_first_use():
    holder = PerProcess(Made, name="test")
    before = Made.count
    barrier, got = threading.Barrier(8), []

    def use() -> None:
        barrier.wait()
        got.append(holder.get())

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Made.count == before + 1 and len({id(x) for x in got}) == 1 and holder.get() is got[0]


def test_a_failing_factory_keeps_nothing_and_is_tried_again():
    calls = []

    def flaky() -> Made:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("not yet")
        return Made()

    holder = PerProcess(flaky, name="test")
    with pytest.raises(ConnectionError):
        holder.get()
    assert holder.peek() is None
    assert isinstance(holder.get(), Made) and len(calls) == 2


def test_pop_forgets_and_hands_back_the_object():
    holder = PerProcess(Made, name="test")
    assert holder.pop() is None
    first = holder.get()
    assert holder.pop() is first and holder.peek() is None
    assert holder.get() is not first


def test_a_forked_child_makes_its_own_and_the_parent_keeps_its():
    holder = PerProcess(Made, name="test")
    parent = holder.get()

    def child() -> dict:
        unmade = holder.peek() is None
        mine = holder.get()
        return {"unmade": unmade, "pid": mine.pid, "serial": mine.serial, "me": os.getpid()}

    seen = in_forked_child(child)
    assert seen["unmade"] and seen["pid"] == seen["me"] != os.getpid() and seen["serial"] != parent.serial
    assert holder.get() is parent and parent.pid == os.getpid()


def test_a_fork_while_another_thread_is_making_the_object_does_not_hang_the_child():
    entered, release = threading.Event(), threading.Event()

    def slow() -> Made:
        entered.set()
        release.wait(timeout=30)  # holds the holder's lock meanwhile
        return Made()

    holder = PerProcess(slow, name="test")
    maker = threading.Thread(target=holder.get)
    maker.start()
    try:
        assert entered.wait(timeout=5)
        def child() -> int:
            # No maker thread here, and the lock it held: without the reset this get() waits for ever.
            release.set()  # the child's copy: its own slow() returns at once
            return holder.get().pid

        seen = in_forked_child(child, timeout=10)
        assert seen != os.getpid()
    finally:
        release.set()
        maker.join()
    assert holder.get().pid == os.getpid()


def test_the_child_keeps_what_it_inherited_alive_instead_of_destroying_it():
    holder = PerProcess(Made, name="test")
    ref = weakref.ref(holder.get())

    def child() -> bool:
        holder.get()  # a new one replaces the inherited one
        gc.collect()
        return ref() is not None  # no destructor ran against the parent's threads or native pools

    assert in_forked_child(child) is True


def test_every_owner_of_per_process_state_is_fresh_in_a_forked_child(db, settings):
    from core import ratelimit, realtime
    from mlcore import serving, swap
    from supportdesk import selectors

    owners = {"serving": serving._registry, "swapper": swap._swapper, "pushes": realtime._pusher,
              "selector caches": selectors._caches, "rate limit script": ratelimit._script}
    assert all(isinstance(h, PerProcess) for h in owners.values())
    selectors.escalation_policy_cached()
    realtime.hints_send(groups=["process-test"], payload={}, wait=True)
    ratelimit.token_bucket_take(key="process-test", capacity=5, refill_per_second=1.0)
    serving.serving_status()
    made = {name for name, h in owners.items() if h.peek() is not None}
    assert made >= {"serving", "pushes", "selector caches", "rate limit script"}
    still = in_forked_child(lambda: sorted(name for name, h in owners.items() if h.peek() is not None))
    assert still == []
    assert {name for name, h in owners.items() if h.peek() is not None} == made  # the parent's are untouched
