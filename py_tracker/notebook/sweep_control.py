"""The sweep control widget: run a hyperparameter sweep from the notebook and steer it.

    %track sweep CONFIG --cell train [--count N] [--project P]      (CONFIG: YAML path or variable)
    %track sweep CONFIG --function train --executor processes --parallel 4
    w = py_tracker.sweep_widget(config, cell="train" | function=train, count=N, project=None,
                                executor=None | "threads" | "processes" | client, parallel=1)

Each trial re-runs the `%%track --id train` cell (or calls `train()`) with
`py_tracker.config` set to the trial's values, through the sweep engine's `Agent` (so
claims, grid bookkeeping, hyperband and resume are the engine's). Trials run on a
background thread: the cell returns, the kernel stays usable, and the buttons act while
a trial trains (a click waits for a busy main thread, never for a trial):
Start · Pause (finish this trial, start none) · Resume · Skip (end this trial, go on) ·
Stop (end this trial now as "stopped", keeping what it logged; start no more). Stop also
carries the classes the lab extension watches (`py-tracker-stop py-tracker-run-<id>`), so
it stops the current trial out of band even when the kernel is busy, and
`py-tracker-sweep-<sweep id>` for a listener that would stop the whole sweep out of band.

Executor (see `sweep_executor`): the local thread (above), local processes or a Dask
client, `parallel` trials at once; then the thread runs the parallel agent, and the
buttons act through the sweep's `SweepHandle`, reaching the remote trials. A training
cell runs only on the local thread. The settings are locked while a sweep runs.

Threads: the sweep thread runs the agent and only records events; one `Updater` thread
owns every widget and chart update (Bokeh documents are not thread-safe); button
handlers (shell thread) write the sweep's state in the store and ask the trial's run to
stop. The current trial's live charts are a `RunPanel`'s board with its own updater.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Callable

from ..errors import UsageError
from ..sweeps.api import sweep as create_sweep
from ..sweeps.store import SweepStore
from .sweep_cell import parse_magic
from .sweep_executor import split_magic
from .sweep_plan import SweepPlan
from .sweep_thread import _LOCK, _RUNNING, SweepThread, follow_trials
from .sweep_view import TrialBook, TrialRow, best_row, estimate_remaining
from .updater import Updater



class SweepWidget(SweepThread):
    """One sweep driven from the notebook. Display it (`w` / `display(w)`); control it with the
    buttons or `start()`, `pause()`, `resume()`, `skip()`, `stop()`, `wait()`. Each control
    returns whether it acted; a refusal says why in the widget (and in `note`)."""

    def __init__(self, config: Any, *, cell: str | None = None, function: Callable[[], Any] | None = None,
                 count: int | None = None, project: str | None = None, root: Any = None, shell: Any = None,
                 sweep_id: str | None = None, interval: float = 0.25, executor: Any = None, parallel: int = 1):
        self.store = SweepStore(root)
        plan = SweepPlan.make(config, cell=cell, function=function, count=count, project=project,
                              store=self.store, shell=shell, sweep_id=sweep_id, executor=executor, parallel=parallel)
        self.shell, self.choice = shell, plan.choice
        self.cell, self.function, self.count, self.project = cell, function, count, project
        self.source, self.config, self.params, self.total = plan.source, plan.config, plan.params, plan.total
        self.metric, self.goal, self.trial_fn, self.key = plan.metric, plan.goal, plan.trial_fn, plan.key
        self._resume = plan.resume

        self.sweep_id: str | None = None
        self.trials = TrialBook()
        self.note = ""
        self.error: BaseException | None = None
        self.end_state: str | None = None
        self.end_reason: str | None = None
        self._active = False
        self._paused = self._stopping = False
        self._skipped: set[str] = set()
        self._current_run: Any = None
        self._thread: threading.Thread | None = None
        self._runner: Any = None  # the local thread's FunctionRunner
        self._t0: float | None = None
        self._t_end: float | None = None
        self._paused_total = 0.0  # seconds spent paused with no trial running (not in "elapsed")
        self._idle_since: float | None = None  # time.time() the current paused wait began
        self._pause_lock = threading.Lock()  # progress_state() runs on the updater and the shell threads

        self._build(cell, function)
        self.updater = Updater(self, interval=interval)
        follow_trials(self)
        self.tick()

    # --- state ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """True from start() until the sweep thread has ended."""
        return self._active

    @property
    def phase(self) -> str:
        if not self._active:
            return self.end_state or ("ready" if self._t0 is None else "done")
        if self._stopping:
            return "stopping"
        if self._paused:
            return "pausing" if any(r.state == "running" for r in self.rows) else "paused"
        return "running"

    @property
    def rows(self) -> list[TrialRow]:
        """The trials this widget started, in order (a copy)."""
        return self.trials.snapshot()[1]

    @property
    def best(self) -> TrialRow | None:
        return best_row(self.rows, self.goal)

    @property
    def current(self) -> TrialRow | None:
        return self.trials.current

    @property
    def output_text(self) -> str:
        self.router.flush()
        return self.router.text

    def progress_state(self) -> dict:
        """{done, total, running, elapsed, remaining, phase} as shown in the progress line."""
        rows = self.rows
        now = time.time()
        paused = self._track_pause(rows, now)
        elapsed = 0.0 if self._t0 is None else max(0.0, (self._t_end or time.monotonic()) - self._t0 - paused)
        done = sum(r.state != "running" for r in rows)
        return {"done": done, "started": len(rows), "total": self.total, "elapsed": elapsed,
                "remaining": estimate_remaining(rows, self.total, now) if self._active else None,
                "phase": self.phase}

    def _track_pause(self, rows: list[TrialRow], now: float) -> float:
        """Seconds the sweep has waited paused (no trial running), so far. A wait begins when
        the last running trial ended after a pause (or at the pause itself when none ran) and
        ends at resume/stop; it is counted in `_paused_total` once it ends."""
        with self._pause_lock:
            return self._track_pause_locked(rows, now)

    def _track_pause_locked(self, rows: list[TrialRow], now: float) -> float:
        waiting = self._active and self._paused and not self._stopping and not any(r.state == "running" for r in rows)
        if waiting and self._idle_since is None:
            ends = [r.started + r.duration for r in rows if r.duration is not None]
            self._idle_since = min(now, max(ends)) if ends else now
        elif not waiting and self._idle_since is not None:
            until = now if self._t_end is None else now - (time.monotonic() - self._t_end)  # ended: at its end
            self._paused_total += max(0.0, until - self._idle_since)
            self._idle_since = None
        return self._paused_total + (now - self._idle_since if self._idle_since is not None else 0.0)

    # --- controls (button handlers; any thread; `_click`, `_refuse`, `wait` in SweepThread) ---
    def start(self) -> bool:
        """Create the sweep and run its trials on a background thread. Refused while this widget,
        or another one on the same cell/function, runs a sweep. Bad executor settings raise
        UsageError (a cell with processes/Dask, an unknown Client variable, an unpicklable function)."""
        choice = self._check_choice()
        with _LOCK:
            other = _RUNNING.get(self.key)
            if self._active or (other is not None and other._active):
                who = "this widget" if other is self or self._active else f"sweep {other.sweep_id}"  # type: ignore[union-attr]
                return self._refuse(f"Start refused: {who} is already running on this "
                                    f"{'cell' if self.cell else 'function'}; Stop it first.")
            _RUNNING[self.key] = self
            self._active = True
            self.choice = choice
            self.picker.lock(choice)
        try:
            sid, self._resume = self._resume, None  # continue it once; a later Start makes a new sweep
            if sid is not None:
                if self.store.get(sid).get("state") == "paused":
                    self.store.set_state(sid, "running")
            else:
                sid = create_sweep(self.source, project=self.project, root=self.store.root)
            agent = self._make_agent(sid)
        except BaseException:
            with _LOCK:
                self._active = False
                _RUNNING.pop(self.key, None)
            self.picker.lock(None)
            raise
        self.trials.reset()
        self.sweep_id, self._current_run = sid, None
        self._paused = self._stopping = False
        self.end_state = self.end_reason = self.error = None
        self._t0, self._t_end, self.note = time.monotonic(), None, ""
        self._paused_total, self._idle_since = 0.0, None
        for cls in [c for c in self.stop_button._dom_classes if c.startswith("py-tracker-sweep-")]:
            self.stop_button.remove_class(cls)  # a previous sweep of this widget
        self.stop_button.add_class(f"py-tracker-sweep-{sid}")  # for an out-of-band sweep stop (see module doc)
        end = time.monotonic() + 2.0
        while self.updater.alive and time.monotonic() < end:  # the previous sweep's last drawing
            time.sleep(0.01)
        self.router.install()
        self._thread = threading.Thread(target=self._run_agent, args=(agent,), daemon=True,
                                        name=f"py_tracker-sweep-widget-{sid}")
        self.updater.start()
        self._thread.start()
        return True

    def pause(self) -> bool:
        """Finish the current trial, start no new one until resume()."""
        if not self._active or self._stopping or self._paused:
            return self._refuse("Pause: the sweep is not running.")
        if self.choice.remote:
            return self._remote_control("pause")
        try:
            self.store.set_state(self.sweep_id, "paused")  # type: ignore[arg-type]
        except UsageError as exc:
            return self._refuse(str(exc))
        self._paused, self.note = True, ""
        self._kick()
        return True

    def resume(self) -> bool:
        if not self._active or self._stopping or not self._paused:
            return self._refuse("Resume: the sweep is not paused.")
        if self.choice.remote:
            return self._remote_control("resume")
        try:
            self.store.set_state(self.sweep_id, "running")  # type: ignore[arg-type]
        except UsageError as exc:
            return self._refuse(str(exc))
        self._paused, self.note = False, ""
        self.progress_state()  # ends the paused wait now (it must not count as elapsed)
        self._kick()
        return True

    def stop(self) -> bool:
        """End the current trial now (state "stopped", what it logged is kept); start no more."""
        if not self._active:
            return self._refuse("Stop: no sweep is running.")
        if self.choice.remote:
            return self._remote_control("stop")
        self._stopping, self.note = True, ""
        try:  # first, so that no new trial is claimed once the current one ends
            self.store.set_state(self.sweep_id, "stopped", reason="stopped from the sweep widget")  # type: ignore[arg-type]
        except UsageError:
            pass  # it ended by itself meanwhile (grid done, target reached)
        if self._runner is not None:
            self._runner.stop("sweep stopped")  # the trial's next log() raises RunStopped
        self._kick()
        return True

    def skip(self) -> bool:
        """End the current trial now (as "stopped", reason "skipped") and go on with the next;
        with parallel trials, every running trial."""
        if self._active and not self._stopping and self.choice.remote:
            return self._remote_control("skip")
        row = self.trials.current
        if not self._active or self._stopping or row is None:
            return self._refuse("Skip: no trial is running.")
        self._skipped.add(row.run_id)
        if self._runner is not None:
            self._runner.stop("skipped")
        self.store.request_skip(self.sweep_id, [row.run_id])  # type: ignore[arg-type]
        self.note = ""
        self._kick()
        return True

    def close(self) -> None:
        """Stop the sweep (if running) and the widget's threads, and close its widgets."""
        if self._active:
            self.stop()
            self.wait(10)
        self.updater.stop()
        self.router.uninstall()
        self._close_widgets()

    def __repr__(self) -> str:
        return f"<SweepWidget {self.sweep_id or '(not started)'} {self.phase} trials={len(self.rows)}>"


def sweep_widget(config: Any = None, cell: str | None = None, function: Callable[[], Any] | None = None,
                 count: int | None = None, project: str | None = None, *, root: Any = None,
                 shell: Any = None, start: bool = False, sweep_id: str | None = None, executor: Any = None,
                 parallel: int = 1) -> SweepWidget:
    """A sweep control widget for `config` (dict, YAML path or YAML text) whose trials re-run
    the `%%track --id <cell>` training cell, or call `function()`. Display the returned
    widget; press Start (or pass start=True, or call `.start()`); `.wait()` blocks until it ends.
    `sweep_id=` continues an existing sweep instead (after a kernel restart: grid points
    already tried are not repeated, the interrupted trial shows as crashed).
    `executor=` "processes" or a dask.distributed Client (or scheduler address) and `parallel=N`
    run N trials at once on Dask workers (function=... only; a cell runs on the local thread)."""
    from .display import ensure_bokeh, in_notebook
    if in_notebook():
        ensure_bokeh()
    wdg = SweepWidget(config, cell=cell, function=function, count=count, project=project, root=root, shell=shell,
                      sweep_id=sweep_id, executor=executor, parallel=parallel)
    if start:
        wdg.start()
    return wdg


def sweep_magic(line: str, shell: Any) -> SweepWidget:
    """`%track sweep CONFIG --cell ID [--count N] [--project P] [--dir ROOT] [--start]
    [--executor thread|processes|tcp://host:port|CLIENT_VARIABLE] [--parallel N]`: returns the
    widget (shown when it is the cell's last line; `w = %track sweep ...` keeps a handle)."""
    from .sweep_cell import _usage
    try:
        line, executor, parallel = split_magic(line, getattr(shell, "user_ns", None) or {})
    except UsageError as exc:
        raise _usage(str(exc)) from None
    kwargs = parse_magic(line, shell)
    try:
        return sweep_widget(shell=shell, executor=executor, parallel=parallel, **kwargs)
    except UsageError as exc:
        raise _usage(str(exc)) from None
