import os
import threading
import time

import pytest

from core import realtime
from tests.core.test_process import in_forked_child


@pytest.fixture
def sent(monkeypatch, settings):
    settings.SUPPORTLOOP_HINT_INTERVAL_SECONDS = 0.3
    log: list[tuple[float, str, dict]] = []
    arrived = threading.Condition()

    async def record(groups, payload):
        with arrived:
            log.extend((time.monotonic(), g, payload) for g in groups)
            arrived.notify_all()

    monkeypatch.setattr(realtime, "_send", record)
    pusher = realtime._pusher.get()
    monkeypatch.setattr(pusher, "next_at", {})
    monkeypatch.setattr(pusher, "waiting", {})

    def wait_for(n: int, timeout: float = 3.0) -> list:
        with arrived:
            arrived.wait_for(lambda: len(log) >= n, timeout)
        return list(log)

    return wait_for


def test_a_burst_becomes_one_hint_now_and_one_trailing_hint_with_the_latest_payload(sent):
    start = time.monotonic()
    for i in range(20):
        realtime.hints_send(groups=["agent-queue"], payload={"ticket": i})
    log = sent(2)
    time.sleep(0.5)  # nothing else may follow
    log = sent(3, timeout=0.1)
    assert [(g, p) for _, g, p in log] == [("agent-queue", {"ticket": 0}), ("agent-queue", {"ticket": 19})]
    assert log[0][0] - start < 0.2
    assert 0.2 <= log[1][0] - start < 1.0


def test_groups_and_keys_are_throttled_apart(sent):
    realtime.hints_send(groups=["a", "b"], payload={"run": 1}, key="1")
    realtime.hints_send(groups=["a"], payload={"run": 2}, key="2")
    realtime.hints_send(groups=["a"], payload={"run": 3}, key="2")
    log = sent(4)
    assert sorted((g, p["run"]) for _, g, p in log) == [("a", 1), ("a", 2), ("a", 3), ("b", 1)]


def test_a_quiet_group_hears_the_next_hint_at_once(sent):
    realtime.hints_send(groups=["g"], payload={"ticket": 1})
    sent(1)
    time.sleep(0.4)
    before = time.monotonic()
    realtime.hints_send(groups=["g"], payload={"ticket": 2})
    log = sent(2)
    assert log[1][2] == {"ticket": 2} and log[1][0] - before < 0.2


def test_wait_sends_at_once_even_within_the_interval(sent):
    realtime.hints_send(groups=["g"], payload={"ticket": 1})
    realtime.hints_send(groups=["g"], payload={"ticket": 2}, wait=True)
    assert [p for _, _, p in sent(2)][:2] == [{"ticket": 1}, {"ticket": 2}]


def test_a_forked_child_has_its_own_loop_and_throttle(sent):
    realtime.hints_send(groups=["g"], payload={"ticket": 1})
    sent(1)  # the parent's loop is idle again; "g" is throttled in the parent for 0.3 s
    parent = realtime._pusher.get()

    def child() -> dict:
        inherited = realtime._pusher.peek()
        start = time.monotonic()
        realtime.hints_send(groups=["g"], payload={"ticket": 2})  # not held back by the parent's throttle
        log = sent(2)
        pusher = realtime._pusher.get()
        return {"inherited": inherited is not None, "payloads": [p for _, _, p in log],
                "at_once": log[-1][0] - start < 0.2, "new": pusher is not parent,
                "thread": pusher.loop.is_running() and any(t.name == "realtime-pushes" for t in threading.enumerate()),
                "pid": os.getpid()}

    seen = in_forked_child(child)
    assert seen["pid"] != os.getpid() and not seen["inherited"] and seen["new"] and seen["thread"]
    assert seen["payloads"] == [{"ticket": 1}, {"ticket": 2}] and seen["at_once"]
    assert realtime._pusher.get() is parent and parent.next_at
