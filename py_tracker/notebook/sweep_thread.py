"""The sweep widget's background half: `SweepThread` runs the engine's `Agent` on its own
thread and turns the agent's events into the widget's trial records.

The thread only records (a `TrialBook`, the current trial's run) and wakes the drawing
thread; it never touches a widget. With a local-processes or Dask executor it runs a
`ParallelAgent` instead (`RemoteAgent`): trials run on Dask workers, their events feed
the same table, and Stop/Pause/Resume/Skip go through the sweep's `SweepHandle` (the
sweep's state in the store, which the parallel agent forwards to the workers). Prints of the thread go to the widget's Output
(`ThreadOutput`). An init hook tells the widget which run is its current trial, so its
live charts can follow it.
"""
from __future__ import annotations

import threading
import time
import traceback
import weakref
from typing import Any, Callable

from ..core import session
from ..errors import UsageError
from ..sweeps.api import Agent
from ..sweeps.runners import FunctionRunner
from ..sweeps.store import SweepStore
from .display import suppress_auto_display
from .sweep_executor import ExecutorChoice
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


def follow_trials(widget: "SweepThread") -> None:
    """Make `widget` the receiver of the runs that join its sweep (the init hook is registered
    by the first widget, not on import)."""
    _LIVE.add(widget)
    session.add_init_hook(_on_init)


class RemoteAgent:
    """What the sweep thread runs for a "processes" or "dask" choice: a `ParallelAgent` on the
    widget's own store (one writer), its client made here (a LocalCluster for "processes",
    closed when the sweep ends) — on the thread, so Start never waits for a cluster."""

    def __init__(self, store: SweepStore, sweep_id: str, function: Any, choice: ExecutorChoice, on_event: Any):
        self.store, self.sweep_id, self.function, self.choice, self.on_event = store, sweep_id, function, choice, on_event

    def run(self, count: int | None) -> int:
        from ..sweeps.executors import resolve_executor
        from ..sweeps.parallel import ParallelAgent
        c = self.choice
        client, owned = resolve_executor("processes" if c.kind == "processes" else c.target, c.parallel)
        try:
            return ParallelAgent(self.store, self.sweep_id, self.function, client, c.parallel,
                                 on_event=self.on_event).run(count)
        finally:
            if owned:
                client.close()


class SweepThread(SweepLayout):
    """The agent thread of `SweepWidget` (which sets `store`, `sweep_id`, `count`, `key`,
    `metric`, `trials`, `router`, `updater`, `choice`, `shell` and the flags read here)."""

    def _click(self, fn: Callable[[], bool]) -> None:
        try:
            fn()
        except Exception as exc:  # a click must never raise into the kernel's comm handler
            self._refuse(f"{fn.__name__} failed: {exc}")

    def _refuse(self, msg: str) -> bool:
        self.note = msg
        self._kick()
        return False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sweep has ended and the widget shows its final state; True if it did."""
        end = None if timeout is None else time.monotonic() + timeout
        t = self._thread
        if t is not None:
            t.join(None if end is None else max(0.0, end - time.monotonic()))
        while self.updater.alive and (end is None or time.monotonic() < end):
            time.sleep(0.02)
        return not self._active and not self.updater.alive

    def _namespace(self) -> dict:
        """The notebook's variables (for a Dask client named in the picker)."""
        shell = self.shell
        if shell is None:
            try:
                from IPython import get_ipython
                shell = get_ipython()
            except ImportError:  # pragma: no cover
                shell = None
        return getattr(shell, "user_ns", None) or {}

    def _check_choice(self) -> ExecutorChoice:
        """The picker's settings, checked; for Dask, the function must pickle (UsageError naming why)."""
        choice = self.picker.read(self._namespace())
        if choice.remote:
            from ..sweeps.executors import check_function, require_dask
            require_dask()
            check_function(self.trial_fn)
        return choice

    def _make_agent(self, sid: str) -> Any:
        """The engine agent for this sweep and the chosen executor."""
        if not self.choice.remote:
            self._runner = FunctionRunner(self.trial_fn, self.store.catalog)
            return Agent(self.store, sid, self._runner, on_event=self._on_event)
        self._runner = None
        return RemoteAgent(self.store, sid, self.trial_fn, self.choice, self._on_event)

    def _handle(self) -> Any:
        from ..api import Api
        from ..sweeps.handle import SweepHandle
        return SweepHandle.load(Api(self.store.root), self.sweep_id)  # type: ignore[arg-type]

    def _remote_control(self, action: str) -> bool:
        """Stop / pause / resume / skip a parallel sweep through its SweepHandle: the agent
        forwards them to every remote trial within about a second."""
        try:
            handle = self._handle()
            if action == "skip":
                ids = handle.skip()
                if not ids:
                    return self._refuse("Skip: no trial is running.")
                self._skipped.update(ids)
            else:
                getattr(handle, action)()
        except UsageError as exc:
            return self._refuse(str(exc))
        if action == "stop":
            self._stopping = True
        elif action in ("pause", "resume"):
            self._paused = action == "pause"
        self.note = ""
        self._kick()
        return True

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
                self.picker.lock(None)  # the executor settings can change again
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
            ended = self.trials.end(run_id, rec, info.get("outcome"), reason, self.metric, self.goal)
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
