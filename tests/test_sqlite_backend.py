import itertools
import os
import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from supportdesk.models import EscalationPolicy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the write queue is SQLite's"),
]


def holder(*, held: threading.Event, release: threading.Event, log: list, fail: bool = False) -> None:
    try:
        with transaction.atomic():
            EscalationPolicy.objects.update_or_create(id=1, defaults={"confidence_threshold": 0.6})
            held.set()
            release.wait(10)
            if fail:
                raise RuntimeError("rolled back")
            log.append(("holder committed", time.monotonic()))
    except RuntimeError:
        log.append(("holder rolled back", time.monotonic()))
    finally:
        connection.close()


def writer(*, log: list, timeout: float | None = None) -> None:
    try:
        if timeout is not None:
            connection.write_lock_timeout = timeout
        with transaction.atomic():
            log.append(("writer began", time.monotonic()))
            EscalationPolicy.objects.update_or_create(id=1, defaults={"confidence_threshold": 0.8})
    except OperationalError as exc:
        log.append((f"writer refused: {exc}", time.monotonic()))
    finally:
        connection.close()


@pytest.mark.parametrize("fail", [False, True])
def test_a_second_write_transaction_waits_for_the_first_to_end(fail):
    held, release, log = threading.Event(), threading.Event(), []
    a = threading.Thread(target=holder, kwargs={"held": held, "release": release, "log": log, "fail": fail})
    a.start()
    assert held.wait(10)
    b = threading.Thread(target=writer, kwargs={"log": log})
    b.start()
    time.sleep(0.3)
    assert log == []  # the writer is queued, not inside a transaction
    release.set()
    a.join(10)
    b.join(10)
    assert [name for name, _ in log] == [f"holder {'rolled back' if fail else 'committed'}", "writer began"]
    assert log[1][1] - log[0][1] < 0.05  # woken within milliseconds, not after SQLite's back-off sleeps
    assert EscalationPolicy.objects.get(id=1).confidence_threshold == 0.8


def test_a_writer_gives_up_after_its_timeout_with_a_clear_error():
    held, release, log = threading.Event(), threading.Event(), []
    a = threading.Thread(target=holder, kwargs={"held": held, "release": release, "log": log})
    a.start()
    assert held.wait(10)
    b = threading.Thread(target=writer, kwargs={"log": log, "timeout": 0.2})
    b.start()
    b.join(10)
    release.set()
    a.join(10)
    assert log[0][0] == "writer refused: database is locked (write queue)"
    assert [name for name, _ in log[1:]] == ["holder committed"]
    # The abandoned wait took the lock when the holder let go and dropped it at once: the next writer gets in.
    c = threading.Thread(target=writer, kwargs={"log": log, "timeout": 2.0})
    c.start()
    c.join(10)
    assert log[-1][0] == "writer began"


def test_waiters_hand_the_lock_on_in_turn_without_polling(tmp_path):
    from config.sqlite.base import flock_exclusive

    path = tmp_path / "db.writelock"
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    assert flock_exclusive(fd=first, timeout=1)
    fds = [os.open(path, os.O_RDWR) for _ in range(3)]
    got: list[tuple[int, float]] = []
    holding: list[int] = []
    overlaps: list[list[int]] = []

    def take(i: int) -> None:
        if flock_exclusive(fd=fds[i], timeout=5):
            holding.append(i)
            if len(holding) > 1:
                overlaps.append(list(holding))
            got.append((i, time.monotonic()))
            time.sleep(0.02)
            holding.remove(i)
            os.close(fds[i])

    threads = [threading.Thread(target=take, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert got == []
    released = time.monotonic()
    os.close(first)
    for t in threads:
        t.join(10)
    assert sorted(i for i, _ in got) == [0, 1, 2] and overlaps == []  # one at a time, each exactly once
    assert got[0][1] - released < 0.1
    assert all(b - a < 0.2 for (_, a), (_, b) in itertools.pairwise(got))  # held 20 ms each, then handed on
