"""Per-process state, and the one place it is reset after a fork.

Some objects belong to one process: background threads and the event loop they run, locks, the
model sessions a process loaded, caches read from the database. Threads do not survive os.fork()
(Celery's prefork pool, gunicorn workers, multiprocessing's fork start method), and a lock another
thread held at that instant stays held in the child for ever. So each such object lives in a
PerProcess holder: made by its factory on first use in a process, and dropped in a forked child
by the hook below (os.register_at_fork), so the child makes its own on first use. Owners never
compare pids.

The child does not destroy what it inherited: the objects are kept, unused, so that no
destructor runs there against threads or native thread pools that only exist in the parent.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_holders: weakref.WeakSet[PerProcess] = weakref.WeakSet()
_inherited: list[object] = []  # in a forked child: the parent's objects, never used nor destroyed here


class PerProcess(Generic[T]):
    """One `factory()` per process, made on first `get()`; fresh in a forked child."""

    def __init__(self, factory: Callable[[], T], *, name: str) -> None:
        self.name = name
        self._factory = factory
        self._lock = threading.Lock()
        self._value: T | None = None
        _holders.add(self)

    def get(self) -> T:
        value = self._value
        if value is not None:
            return value
        with self._lock:
            if self._value is None:
                self._value = self._factory()  # nothing is kept when the factory raises
            return self._value

    def peek(self) -> T | None:
        """This process's object if it was made, without making it."""
        return self._value

    def pop(self) -> T | None:
        """Forget this process's object (the next get() makes a new one) and return it, e.g. to stop it."""
        with self._lock:
            value, self._value = self._value, None
        return value

    def _forget_after_fork(self) -> None:
        # The child has one thread: nobody holds the new lock, nobody can be reading the old value.
        self._lock = threading.Lock()
        if self._value is not None:
            _inherited.append(self._value)
        self._value = None

    def __repr__(self) -> str:
        return f"<PerProcess {self.name}: {'made' if self._value is not None else 'not made'}>"


def after_fork_reset() -> None:
    """What runs in every forked child; tests call it to act out a fork."""
    for holder in list(_holders):
        holder._forget_after_fork()


os.register_at_fork(after_in_child=after_fork_reset)
