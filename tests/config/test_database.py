"""SQLite as configured in settings: Django's stock backend in WAL mode, BEGIN IMMEDIATE, a 20 s busy timeout.

Concurrent writers (threads here; web processes and Celery workers in production) wait their turn and
succeed; one that cannot get in within its timeout fails with a clear error and leaves no lock behind."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from supportdesk.models import Inquiry

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's settings"),
]


def test_the_stock_backend_in_wal_mode_with_immediate_transactions():
    assert connection.settings_dict["ENGINE"] == "django.db.backends.sqlite3"
    assert connection.transaction_mode == "IMMEDIATE"
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000


def holder(*, pk: int, held: threading.Event, release: threading.Event, log: list, fail: bool = False) -> None:
    try:
        with transaction.atomic():
            Inquiry.objects.filter(pk=pk).update(name="holder")
            held.set()
            release.wait(10)
            if fail:
                raise RuntimeError("rolled back")
            log.append(("holder committed", time.monotonic()))
    except RuntimeError:
        log.append(("holder rolled back", time.monotonic()))
    finally:
        connection.close()


def writer(*, pk: int, log: list, busy_timeout_ms: int | None = None) -> None:
    try:
        if busy_timeout_ms is not None:
            connection.ensure_connection()
            connection.connection.execute(f"PRAGMA busy_timeout = {busy_timeout_ms:d}")
        with transaction.atomic():
            log.append(("writer began", time.monotonic()))
            Inquiry.objects.filter(pk=pk).update(name="writer")
    except OperationalError as exc:
        log.append((f"writer refused: {exc}", time.monotonic()))
    finally:
        connection.close()


@pytest.mark.parametrize("fail", [False, True])
def test_a_second_write_transaction_waits_for_the_first_to_end(fail):
    pk = Inquiry.objects.create(text="x").pk
    held, release, log = threading.Event(), threading.Event(), []
    a = threading.Thread(target=holder, kwargs={"pk": pk, "held": held, "release": release, "log": log, "fail": fail})
    a.start()
    assert held.wait(10)
    b = threading.Thread(target=writer, kwargs={"pk": pk, "log": log})
    b.start()
    time.sleep(0.3)
    assert log == []  # the writer waits at BEGIN IMMEDIATE, not inside a transaction
    release.set()
    a.join(10)
    b.join(10)
    assert [name for name, _ in log] == [f"holder {'rolled back' if fail else 'committed'}", "writer began"]
    assert log[1][1] - log[0][1] < 1.0  # SQLite's busy handler retries at most every 100 ms
    assert Inquiry.objects.get(pk=pk).name == "writer"


def test_a_writer_gives_up_after_its_timeout_with_a_clear_error():
    pk = Inquiry.objects.create(text="x").pk
    held, release, log = threading.Event(), threading.Event(), []
    a = threading.Thread(target=holder, kwargs={"pk": pk, "held": held, "release": release, "log": log})
    a.start()
    assert held.wait(10)
    b = threading.Thread(target=writer, kwargs={"pk": pk, "log": log, "busy_timeout_ms": 200})
    b.start()
    b.join(10)
    release.set()
    a.join(10)
    assert log[0][0] == "writer refused: database is locked"
    assert [name for name, _ in log[1:]] == ["holder committed"]
    c = threading.Thread(target=writer, kwargs={"pk": pk, "log": log})  # the refused writer left no lock behind
    c.start()
    c.join(10)
    assert log[-1][0] == "writer began"


def test_concurrent_read_modify_write_transactions_all_succeed_and_lose_no_update():
    pk = Inquiry.objects.create(text="counter", latency_ms=0).pk
    errors: list[str] = []

    def increment(times: int) -> None:
        try:
            for _ in range(times):
                with transaction.atomic():  # read, then write: IMMEDIATE holds the write lock from the read on
                    inquiry = Inquiry.objects.get(pk=pk)
                    inquiry.latency_ms += 1
                    inquiry.save(update_fields=["latency_ms"])
        except Exception as exc:  # noqa: BLE001 - any failure fails the test below
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=increment, args=(25,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert Inquiry.objects.get(pk=pk).latency_ms == 100
