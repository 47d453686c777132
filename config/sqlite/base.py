"""SQLite with write transactions queued on a file lock instead of SQLite's busy handler.

SQLite's busy handler retries a locked database after sleeping 1, 2, 5, 10, 15, 20, 25... ms, so two
web processes that each hold the write lock for ~1 ms spent most of their waiting asleep
(bench/serve.py: the full inquiry path at a fifth of the classify-only rate under gunicorn). Every
BEGIN (IMMEDIATE in our settings) first takes an exclusive flock on `<database>.writelock`, held until
COMMIT or ROLLBACK: the next writer starts within a fraction of a millisecond. The lock is advisory:
writes outside `atomic` still rely on SQLite's own locking, so correctness never depends on it.
"""

from __future__ import annotations

import fcntl
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

POLL_SECONDS = 0.0005


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
        deadline = time.monotonic() + self.write_lock_timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise OperationalError("database is locked (write queue)") from None
                time.sleep(POLL_SECONDS)
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
