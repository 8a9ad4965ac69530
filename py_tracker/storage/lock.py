"""The catalog's cross-process lock: an exclusive `flock` on `catalog.lock`, taken quickly.

A writer holds it for one append (~0.1–1 ms), so what a waiter pays is mostly how soon it
notices the lock is free. `filelock` (used before) re-tries every 50 ms: with four processes
writing, every contended acquisition cost 50 ms or more (waits of 150–315 ms were measured)
and the writers took turns at its poll rate. Here a waiter re-tries after 50 µs, backing off
to 1 ms, so it gets the lock within about a millisecond of its release while spending a
syscall per retry; the timeout is the same (`LOCK_TIMEOUT`), and its error says so.

Contract (what `Catalog` relies on):
- `acquire(timeout)` blocks until this object holds the lock, or raises `LockTimeout`
  (OSError/PermissionError when the file cannot be created); `release()` undoes one acquire.
- Re-entrant for the thread that holds it (nested transactions); another thread of the same
  process using the same object waits like another process would (each object opens the
  file itself, and flock excludes separate opens of one file even within a process).
"""
from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

_FIRST_WAIT_S = 0.00005
_MAX_WAIT_S = 0.001


class LockTimeout(TimeoutError):
    """The lock was not free within the timeout (another process holds it)."""


class StoreLock:
    """An exclusive, re-entrant (per thread) lock on one file, shared with other processes."""

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._mutex = threading.Lock()  # threads of this process using this object queue here
        self._owner: int | None = None
        self._depth = 0
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        return self._depth > 0

    def acquire(self, timeout: float) -> None:
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return
        deadline = time.monotonic() + timeout
        if not self._mutex.acquire(timeout=max(0.0, timeout)):
            raise LockTimeout(f"{self.path} is held by another thread of this process")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
            try:
                wait = _FIRST_WAIT_S
                while True:
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        pass
                    now = time.monotonic()
                    if now >= deadline:
                        raise LockTimeout(f"{self.path} stayed locked for {timeout:.0f} s")
                    time.sleep(min(wait, deadline - now))
                    wait = min(wait * 2, _MAX_WAIT_S)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            self._mutex.release()
            raise
        self._fd, self._owner, self._depth = fd, me, 1

    def release(self) -> None:
        if self._owner != threading.get_ident() or self._depth == 0:
            raise RuntimeError(f"release() of {self.path} by a thread that does not hold it")
        self._depth -= 1
        if self._depth:
            return
        fd, self._fd, self._owner = self._fd, None, None
        try:
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
        finally:
            self._mutex.release()
