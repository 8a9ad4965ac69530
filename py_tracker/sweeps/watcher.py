"""The thread that watches one running trial: sweep stop/skip and hyperband.

It polls the sweep record every `POLL` seconds (so Stop from another thread or process
ends the trial within a second) and, when the sweep has `early_terminate`, reads the
trials' metric histories every `HYPERBAND_POLL` seconds. Stopping is delegated to a
`stop(reason)` callback: in-process trials call `run.request_stop()`, subprocess trials
get the run's stop flag file. Either way the trial's next `log()` raises RunStopped.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from ..storage.records import SweepState
from . import hyperband
from .store import SweepStore

log = logging.getLogger("py_tracker")

POLL = 0.2
HYPERBAND_POLL = 0.5


class TrialWatcher(threading.Thread):
    """Watch trial `run_id` of sweep `sweep_id` until `close()`; call `stop(reason)` when
    the sweep is stopped, the trial is skipped, or hyperband ends it (repeatedly, until
    the trial ends: the callback must be idempotent)."""

    def __init__(self, store: SweepStore, sweep_id: str, run_id: str, stop: Callable[[str], None]):
        super().__init__(name=f"py_tracker-sweep-{sweep_id}-{run_id}", daemon=True)
        self.store = store
        self.sweep_id = sweep_id
        self.run_id = run_id
        self.stop = stop
        self.reason: str | None = None
        self._evt = threading.Event()

    def close(self) -> None:
        self._evt.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=5)

    def run(self) -> None:  # noqa: D401 - Thread API
        last_hb = 0.0
        while not self._evt.wait(POLL):
            try:
                rec = self.store.get(self.sweep_id)
                reason = None
                if rec.get("state") == SweepState.STOPPED:
                    reason = "sweep stopped"
                elif self.run_id in (rec.get("skip") or ()):
                    reason = "skipped"
                cfg = rec.get("config") or {}
                et = cfg.get("early_terminate")
                now = time.monotonic()
                if reason is None and et and now - last_hb >= HYPERBAND_POLL:
                    last_hb = now
                    trials = self.store.trials(rec, histories=True)
                    goal = (cfg.get("metric") or {}).get("goal", "minimize")
                    if self.run_id in hyperband.to_stop(et, goal, trials):
                        reason = "hyperband"
                if reason is not None or self.reason is not None:
                    self.reason = self.reason or reason
                    self.stop(self.reason)  # type: ignore[arg-type]
            except Exception as exc:  # the watcher must never take the agent down
                log.warning("py_tracker: sweep watcher for %s: %s", self.run_id, exc)
