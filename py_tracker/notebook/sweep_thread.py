"""The sweep widget's background half: `SweepThread` runs the engine's `Agent` on its own
thread and turns the agent's events into the widget's trial records.

The thread only records (a `TrialBook`, the current trial's run) and wakes the drawing
thread; it never touches a widget. Prints of the thread go to the widget's Output
(`ThreadOutput`). An init hook tells the widget which run is its current trial, so its
live charts can follow it.
"""
from __future__ import annotations

import threading
import time
import traceback
import weakref
from typing import Any

from ..core import session
from ..sweep.api import Agent
from .display import suppress_auto_display
from .sweep_layout import SweepLayout
from .sweep_view import compact

_LIVE: "weakref.WeakSet[SweepThread]" = weakref.WeakSet()  # widgets whose sweep may be running
_LOCK = threading.Lock()
_RUNNING: dict[str, Any] = {}  # cell/function key -> the widget whose sweep runs on it


def _on_init(run: Any) -> None:
    """init hook: a run that joins a widget's sweep becomes that widget's current trial."""
    sid = getattr(run, "sweep_id", None)
    if sid:
        for wdg in list(_LIVE):
            if wdg.sweep_id == sid and wdg.running:
                wdg._trial_run(run)


session.add_init_hook(_on_init)


class SweepThread(SweepLayout):
    """The agent thread of `SweepWidget` (which sets `store`, `sweep_id`, `count`, `key`,
    `metric`, `trials`, `router`, `updater` and the flags read here)."""

    def _run_agent(self, agent: Agent) -> None:
        ident = threading.get_ident()
        self.router.threads.add(ident)
        try:
            with suppress_auto_display():  # trial runs show in this widget, not as panels of their own
                agent.run(self.count)
        except BaseException as exc:  # shown in the widget's output; the kernel must not die of it
            self.error = exc
            traceback.print_exc()
        finally:
            self.router.threads.discard(ident)
            try:
                rec = self.store.get(self.sweep_id)  # type: ignore[arg-type]
                self.end_state = rec.get("state") if rec.get("state") in ("stopped", "finished") else "done"
                self.end_reason = rec.get("reason") or (f"count {self.count} reached" if self.count else None)
            except Exception:
                self.end_state = "done"
            self._t_end = time.monotonic()
            self.trials.current = self._current_run = None
            with _LOCK:
                self._active = False
                if _RUNNING.get(self.key) is self:
                    del _RUNNING[self.key]
            self.router.uninstall()
            self._kick()

    def _on_event(self, kind: str, info: dict) -> None:
        """Agent events, on the sweep thread: record them; the updater draws."""
        run_id = info["run_id"]
        if kind == "start":
            row = self.trials.start(run_id, info.get("config") or {})
            self._current_run = None
            self.router.write(f"── trial {row.number} ({run_id}) {compact(row.flat)} ──\n")
        elif kind == "end":
            rec = self.store.catalog.get("runs", run_id) or {}
            reason = "skipped" if run_id in self._skipped else info.get("reason") or (
                "sweep stopped" if self._stopping else None)
            ended = self.trials.end(run_id, rec, info.get("outcome"), reason, self.metric)
            self._current_run = None
            if ended is not None:
                value = f", {self.metric} = {ended.metric:.6g}" if ended.metric is not None else ""
                self.router.write(f"── trial {ended.number} {ended.label}{value} ──\n")
        self._kick()

    def _trial_run(self, run: Any) -> None:
        """The init hook saw the current trial's run (sweep thread)."""
        row = self.trials.current
        self._current_run = run
        if row is not None:
            row.name = run.name
        self.updater.submit(lambda: self._show_trial(run, row))

    def done(self) -> bool:
        return not self._active

    def _poll_store(self) -> None:
        """Follow pause/resume/stop done elsewhere (sidebar, Api().sweep(...).pause())."""
        if not self._active or self.sweep_id is None:
            return
        try:
            state = self.store.get(self.sweep_id).get("state")
        except Exception:
            return
        if state == "paused":
            self._paused = True
        elif state == "running":
            self._paused = False
        elif state == "stopped":
            self._stopping = True
