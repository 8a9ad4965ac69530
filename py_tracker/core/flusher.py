"""The background thread that makes a run durable: history chunks, heartbeat, stop flag, catalog."""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Run

log = logging.getLogger("py_tracker")


class Flusher(threading.Thread):
    """Every `flush_interval`: write pending rows; every `heartbeat_interval`: touch the
    heartbeat and look for a stop request; every `catalog_interval`: save summary/config
    when they changed. One per run; stopped by `Run.finish`."""

    def __init__(self, run: "Run"):
        super().__init__(name=f"py_tracker-flush-{run.id}", daemon=True)
        self.target = run
        self._stop_evt = threading.Event()

    def run(self) -> None:  # noqa: D401 - Thread API
        r = self.target
        s = r.settings
        try:  # the history writer needs numpy: import it here, off the user's thread
            import numpy  # noqa: F401
        except ImportError:
            pass
        last_beat = last_cat = 0.0
        wait = s.flush_interval
        while not self._stop_evt.wait(wait):
            try:
                r.flush()
                # A producer logging faster than we write: keep going instead of sleeping.
                wait = 0.0 if len(r._queue) > 20000 else s.flush_interval
                now = time.monotonic()
                if now - last_beat >= s.heartbeat_interval:
                    last_beat = now
                    r._beat()
                    for hook in list(r._poll_hooks):
                        try:
                            hook()
                        except Exception as exc:  # a hook must never stop the flusher
                            log.warning("py_tracker: background hook failed: %s", exc)
                if now - last_cat >= s.catalog_interval:
                    last_cat = now
                    r._save_meta()
            except Exception as exc:  # keep flushing whatever happens; errors surface in log()
                r._set_error(exc)

    def stop(self) -> None:
        self._stop_evt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=10)


def touch(path: "os.PathLike[str] | str") -> None:
    try:
        os.utime(path)
    except FileNotFoundError:
        with open(path, "ab"):
            pass
