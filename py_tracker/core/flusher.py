"""The background threads that make a run durable.

`Flusher` writes history chunks and the heartbeat and looks for a stop request:
nothing it does waits on the catalog lock, so history keeps flowing whatever
another process does with the catalog (a writer stalled while holding the lock,
a slow disk). `Bookkeeper` does what may wait on that lock: summary/config saves
to the catalog and the poll hooks (sweep bookkeeping...). Both are per run,
stopped by `Run.finish` and started again when a `finish()` fails.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Run

log = logging.getLogger("py_tracker")

_MAX_BACKOFF = 2.0  # seconds between attempts while the disk refuses writes


class _RunThread(threading.Thread):
    """A daemon thread bound to one run, with `stop()` that wakes and joins it."""

    def __init__(self, run: "Run", role: str):
        super().__init__(name=f"py_tracker-{role}-{run.id}", daemon=True)
        self.target = run
        self._stop_evt = threading.Event()
        self._wake = threading.Event()

    def wake(self) -> None:
        """Cut the current wait short (the loop runs at once); for back-pressure."""
        self._wake.set()

    def _sleep(self, seconds: float) -> bool:
        """Wait `seconds` or until woken; True when the thread should stop."""
        if seconds > 0 and not self._wake.is_set():
            self._wake.wait(seconds)
        self._wake.clear()
        return self._stop_evt.is_set()

    def stop(self, timeout: float = 10) -> None:
        self._stop_evt.set()
        self._wake.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=timeout)


class Flusher(_RunThread):
    """Every `flush_interval`: write pending rows; every `heartbeat_interval`: touch the
    heartbeat and look for a stop request. While writes fail (disk full) the rows stay
    queued and attempts back off up to 2 s; the error reaches the user through `log()`."""

    def __init__(self, run: "Run"):
        super().__init__(run, "flush")

    def run(self) -> None:  # noqa: D401 - Thread API
        r = self.target
        s = r.settings
        # (the history writer imports numpy at its first chunk, here, off the user's thread)
        last_beat = 0.0
        wait = s.flush_interval
        while not self._sleep(wait):
            try:
                r.flush()
                # A producer logging faster than we write: keep going instead of sleeping.
                wait = 0.0 if r._pending_cells() > 100_000 else s.flush_interval
            except Exception as exc:  # keep flushing whatever happens; errors surface in log()
                r._set_error(exc)
                wait = min(max(wait * 2, s.flush_interval), _MAX_BACKOFF)
            now = time.monotonic()
            if now - last_beat >= s.heartbeat_interval:
                last_beat = now
                try:
                    r._beat()
                except Exception as exc:
                    r._set_error(exc)


class Bookkeeper(_RunThread):
    """Every `catalog_interval`: save summary/config to the catalog when they changed;
    about once a second: the poll hooks. Both may wait on the catalog lock, which is
    why they are not on the `Flusher`."""

    def __init__(self, run: "Run"):
        super().__init__(run, "catalog")

    def run(self) -> None:  # noqa: D401 - Thread API
        r = self.target
        s = r.settings
        last_cat = 0.0
        tick = min(s.heartbeat_interval, s.catalog_interval)
        while not self._sleep(tick):
            for hook in list(r._poll_hooks):
                try:
                    hook()
                except Exception as exc:  # a hook must never stop the bookkeeping
                    log.warning("py_tracker: background hook failed: %s", exc)
            now = time.monotonic()
            if now - last_cat >= s.catalog_interval:
                last_cat = now
                try:
                    r._save_meta()
                except Exception as exc:
                    r._set_error(exc)


def touch(path: "os.PathLike[str] | str") -> None:
    try:
        os.utime(path)
    except FileNotFoundError:
        with open(path, "ab"):
            pass
