"""SQLite with write transactions queued on a file lock instead of SQLite's busy handler.

SQLite's busy handler retries a locked database after sleeping 1, 2, 5, 10, 15, 20, 25... ms, so two
web processes that each hold the write lock for ~1 ms spent most of their waiting asleep
(bench/serve.py: the full inquiry path at a fifth of the classify-only rate under gunicorn). Every
BEGIN (IMMEDIATE in our settings) first takes an exclusive flock on `<database>.writelock`, held until
COMMIT or ROLLBACK: the next writer starts within a fraction of a millisecond. The lock is advisory:
writes outside `atomic` still rely on SQLite's own locking, so correctness never depends on it.

A contended lock is waited for by a helper thread blocked in flock(2), so it passes on the moment
it is released: polling it every 0.5 ms left a web process idle for ~1 ms per inquiry under load
(bench/serve.py, py-spy). The helper lets the waiting request give up after its timeout.
"""

from __future__ import annotations

import fcntl
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import OperationalError
from django.db.backends.sqlite3 import base

WAITER_THREADS = 8  # per process; more waiters than this queue for a thread and time out as usual
_pool: dict = {"executor": None, "pid": None}
_pool_lock = threading.Lock()


def _waiters() -> ThreadPoolExecutor:
    with _pool_lock:
        if _pool["executor"] is None or _pool["pid"] != os.getpid():  # threads do not survive a fork
            _pool.update(executor=ThreadPoolExecutor(WAITER_THREADS, thread_name_prefix="sqlite-write-lock"),
                         pid=os.getpid())
        return _pool["executor"]


class _Wait:
    """One blocked flock on `fd`; if the requester gave up meanwhile, the lock is dropped on arrival."""

    def __init__(self, fd: int) -> None:
        self.fd, self.done, self.guard = fd, threading.Event(), threading.Lock()
        self.acquired = self.abandoned = False

    def run(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            got = True
        except OSError:
            got = False
        with self.guard:
            if self.abandoned:
                os.close(self.fd)
                return
            self.acquired = got
            self.done.set()

    def result(self, timeout: float) -> bool:
        self.done.wait(timeout)
        with self.guard:
            if not self.done.is_set():
                self.abandoned = True  # run() closes the file when (if ever) the lock arrives
            elif not self.acquired:
                os.close(self.fd)
            return self.acquired


def flock_exclusive(*, fd: int, timeout: float) -> bool:
    """Take an exclusive flock on fd within `timeout` seconds. False if not: fd is then closed, at once or
    by its waiter when the lock arrives."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    wait = _Wait(fd)
    _waiters().submit(wait.run)
    return wait.result(timeout)


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._write_lock_fd: int | None = None
        self.write_lock_timeout = float(self.settings_dict.get("OPTIONS", {}).get("timeout", 5))

    def _write_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if self.is_in_memory_db() or not name:
            return None
        return f"{name}.writelock"

    def _write_lock_acquire(self) -> None:
        path = self._write_lock_path()
        if path is None or self._write_lock_fd is not None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # one open file per transaction: threads queue too
        if not flock_exclusive(fd=fd, timeout=self.write_lock_timeout):
            raise OperationalError("database is locked (write queue)")
        self._write_lock_fd = fd

    def _write_lock_release(self) -> None:
        if self._write_lock_fd is not None:
            fd, self._write_lock_fd = self._write_lock_fd, None
            os.close(fd)  # closing the file drops the lock

    def _start_transaction_under_autocommit(self) -> None:
        self._write_lock_acquire()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._write_lock_release()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._write_lock_release()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._write_lock_release()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._write_lock_release()
