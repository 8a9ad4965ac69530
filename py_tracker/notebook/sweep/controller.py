"""The sweep widget's controller: `SweepController` owns one notebook sweep — the engine's
`Agent` on a background thread, the trials it ran (a `TrialBook`), the phase, the controls
start/pause/resume/skip/stop/wait — and hands what it knows out as an immutable
`SweepSnapshot`. It imports no ipywidgets: a sweep runs headless through it, and the view
(`sweep_layout.SweepPanelView`) only renders snapshots.

The agent thread only records (the trial book, the current trial's run) and tells its
observer (`SweepObserver`) that something changed; it never touches a widget. With a
local-processes or Dask executor it runs a `ParallelAgent` instead (`RemoteAgent`): trials
run on Dask workers, their events feed the same book, and Stop/Pause/Resume/Skip go through
the sweep's `SweepHandle` (the sweep's state in the store, which the parallel agent forwards
to the workers). Prints of the thread are kept by its `ThreadOutput` (`router`), shown by
whoever gives it an Output. An init hook tells the controller which run is its current
trial, so a view can follow its live charts.
"""
from __future__ import annotations

import threading
import time
import traceback
import weakref
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from ...core import session
from ...errors import UsageError
from ...storage.records import SweepState
from ...sweeps.api import Agent
from ...sweeps.api import sweep as create_sweep
from ...sweeps.runners import FunctionRunner
from ...sweeps.store import SweepStore
from ..display import suppress_auto_display
from .executor import ExecutorChoice
from .output import ThreadOutput
from .plan import SweepPlan
from .view import TrialBook, TrialRow, best_row, compact, estimate_remaining

_LIVE: "weakref.WeakSet[SweepController]" = weakref.WeakSet()  # controllers whose sweep may be running
_LOCK = threading.Lock()
_RUNNING: dict[str, "SweepController"] = {}  # cell/function key -> the controller whose sweep runs on it


def _on_init(run: Any) -> None:
    """init hook: a run that joins a controller's sweep becomes that controller's current trial."""
    sid = getattr(run, "sweep_id", None)
    if sid:
        for ctl in list(_LIVE):
            if ctl.sweep_id == sid and ctl.running:
                ctl._trial_run(run)


def follow_trials(controller: "SweepController") -> None:
    """Make `controller` the receiver of the runs that join its sweep (the init hook is
    registered by the first controller, not on import)."""
    _LIVE.add(controller)
    session.add_init_hook(_on_init)


@dataclass(frozen=True)
class SweepSnapshot:
    """The sweep as it is at one moment, everything a view shows: `phase` ("ready",
    "running", "pausing", "paused", "stopping", then "stopped"/"finished"/"done"), `rows`
    (copies of the trials, in order: the agent thread cannot change them under a reader),
    `version` (grows with every change of the rows), `best` (by `sweeps.best`'s rule),
    `current` (the local trial running now), `current_run_id` (its run, once it joined),
    `done`/`started`/`total`, `elapsed`/`remaining` seconds (pauses with nothing running
    not counted), `active`/`paused`/`stopping`, `note` (why the last control was refused),
    `error` (what ended the sweep, if it raised), `end_reason`, `remote` (trials on
    processes/Dask) and `executor` (its description)."""

    phase: str
    rows: tuple[TrialRow, ...]
    version: int
    best: TrialRow | None
    current: TrialRow | None
    current_run_id: str | None
    done: int
    started: int
    total: int | None
    elapsed: float
    remaining: float | None
    active: bool
    paused: bool
    stopping: bool
    sweep_id: str | None
    note: str
    error: BaseException | None
    end_reason: str | None
    remote: bool
    executor: str

    @property
    def running_trials(self) -> bool:
        """Whether any trial runs now (with parallel trials, any of them)."""
        return any(r.state == "running" for r in self.rows)


class SweepObserver(Protocol):
    """Who shows a controller (the `SweepWidget`). Called from any thread (the shell's for
    controls, the agent thread for events); each must return quickly and never raise.

    - `changed()`: state changed; draw a fresh snapshot soon.
    - `trial_run(run, row)`: the current local trial's run joined (agent thread).
    - `lock(choice)`: the executor settings in use (a choice) or free again (None).
    - `before_run(sweep_id)`: a sweep was created and its thread is about to start (shell thread).
    """

    def changed(self) -> None: ...
    def trial_run(self, run: Any, row: TrialRow | None) -> None: ...
    def lock(self, choice: ExecutorChoice | None) -> None: ...
    def before_run(self, sweep_id: str) -> None: ...


class RemoteAgent:
    """What the sweep thread runs for a "processes" or "dask" choice: a `ParallelAgent` on the
    controller's own store (one writer), its client made here (a LocalCluster for "processes",
    closed when the sweep ends) — on the thread, so Start never waits for a cluster."""

    def __init__(self, store: SweepStore, sweep_id: str, function: Any, choice: ExecutorChoice, on_event: Any):
        self.store, self.sweep_id, self.function, self.choice, self.on_event = store, sweep_id, function, choice, on_event

    def run(self, count: int | None) -> int:
        from ...sweeps.executors import resolve_executor
        from ...sweeps.parallel import ParallelAgent
        c = self.choice
        client, owned = resolve_executor("processes" if c.kind == "processes" else c.target, c.parallel)
        try:
            return ParallelAgent(self.store, self.sweep_id, self.function, client, c.parallel,
                                 on_event=self.on_event).run(count)
        finally:
            if owned:
                client.close()


class SweepController:
    """One notebook sweep, headless. `start()`, `pause()`, `resume()`, `skip()`, `stop()`
    return whether they acted (a refusal says why in `note` and tells the observer);
    `wait()` blocks until the agent thread ended; `snapshot()` is the state to show."""

    def __init__(self, plan: SweepPlan, store: SweepStore, *, cell: str | None = None, count: int | None = None,
                 project: str | None = None, shell: Any = None, observer: SweepObserver | None = None):
        self.plan, self.store, self.observer = plan, store, observer
        self.shell, self.choice = shell, plan.choice
        self.cell, self.count, self.project = cell, count, project
        self.source, self.config, self.params, self.total = plan.source, plan.config, plan.params, plan.total
        self.metric, self.goal, self.trial_fn, self.key = plan.metric, plan.goal, plan.trial_fn, plan.key
        self._resume = plan.resume

        self.sweep_id: str | None = None
        self.trials = TrialBook()
        self.router = ThreadOutput(None)  # the agent thread's prints; a view gives it an Output
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
        follow_trials(self)

    @classmethod
    def make(cls, config: Any, *, cell: str | None = None, function: Callable[[], Any] | None = None,
             count: int | None = None, project: str | None = None, root: Any = None, shell: Any = None,
             sweep_id: str | None = None, executor: Any = None, parallel: int = 1,
             observer: SweepObserver | None = None) -> "SweepController":
        """A controller for `config` (dict, YAML path or text) whose trials call `function()` or
        re-run the `%%track --id <cell>` cell; the arguments are `sweep_widget()`'s (a bad
        config or executor raises UsageError / SweepConfigError here, before anything runs)."""
        store = SweepStore(root)
        plan = SweepPlan.make(config, cell=cell, function=function, count=count, project=project,
                              store=store, shell=shell, sweep_id=sweep_id, executor=executor, parallel=parallel)
        return cls(plan, store, cell=cell, count=count, project=project, shell=shell, observer=observer)

    # --- telling the observer -------------------------------------------------------------
    def _changed(self) -> None:
        if self.observer is not None:
            self.observer.changed()

    def _lock(self, choice: ExecutorChoice | None) -> None:
        if self.observer is not None:
            self.observer.lock(choice)

    # --- state ----------------------------------------------------------------------------
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
        """The trials this controller started, in order (a copy)."""
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
        """{done, started, total, elapsed, remaining, phase} as shown in the progress line."""
        return self._progress(self.rows)

    def _progress(self, rows: list[TrialRow]) -> dict:
        now = time.time()
        paused = self._track_pause(rows, now)
        elapsed = 0.0 if self._t0 is None else max(0.0, (self._t_end or time.monotonic()) - self._t0 - paused)
        done = sum(r.state != "running" for r in rows)
        return {"done": done, "started": len(rows), "total": self.total, "elapsed": elapsed,
                "remaining": estimate_remaining(rows, self.total, now) if self._active else None,
                "phase": self.phase}

    def snapshot(self) -> SweepSnapshot:
        """The state now, as one immutable value (what `SweepPanelView.render` draws)."""
        version, rows, current = self.trials.copies()
        p = self._progress(rows)
        run = self._current_run
        return SweepSnapshot(
            phase=p["phase"], rows=tuple(rows), version=version, best=best_row(rows, self.goal),
            current=current, current_run_id=getattr(run, "id", None) if run is not None else None,
            done=p["done"], started=p["started"], total=self.total, elapsed=p["elapsed"], remaining=p["remaining"],
            active=self._active, paused=self._paused, stopping=self._stopping, sweep_id=self.sweep_id,
            note=self.note, error=self.error, end_reason=self.end_reason, remote=self.choice.remote,
            executor=self.choice.describe())

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

    # --- controls (any thread) ------------------------------------------------------------
    def click(self, fn: Callable[[], bool]) -> None:
        """Run a control for a button: a click must never raise into the kernel's comm handler."""
        try:
            fn()
        except Exception as exc:
            self.refuse(f"{fn.__name__} failed: {exc}")

    def refuse(self, msg: str) -> bool:
        """Show why a control did nothing (in `note`); False."""
        self.note = msg
        self._changed()
        return False

    def namespace(self) -> dict:
        """The notebook's variables (for a Dask client named in the executor settings)."""
        shell = self.shell
        if shell is None:
            try:
                from IPython import get_ipython
                shell = get_ipython()
            except ImportError:  # pragma: no cover
                shell = None
        return getattr(shell, "user_ns", None) or {}

    def check_choice(self, choice: ExecutorChoice) -> ExecutorChoice:
        """`choice` for Dask needs dask and a function that pickles (UsageError naming why)."""
        if choice.remote:
            from ...sweeps.executors import check_function, require_dask
            require_dask()
            check_function(self.trial_fn)
        return choice

    def start(self, choice: ExecutorChoice | None = None) -> bool:
        """Create the sweep and run its trials on a background thread, with `choice` (default:
        the plan's executor). Refused while this controller, or another one on the same
        cell/function, runs a sweep. Bad executor settings raise UsageError (a cell with
        processes/Dask, an unpicklable function)."""
        choice = self.check_choice(choice if choice is not None else self.choice)
        with _LOCK:
            other = _RUNNING.get(self.key)
            if self._active or (other is not None and other._active):
                who = "this widget" if other is self or self._active else f"sweep {other.sweep_id}"  # type: ignore[union-attr]
                return self.refuse(f"Start refused: {who} is already running on this "
                                   f"{'cell' if self.cell else 'function'}; Stop it first.")
            _RUNNING[self.key] = self
            self._active = True
            self.choice = choice
            self._lock(choice)
        try:
            sid, self._resume = self._resume, None  # continue it once; a later Start makes a new sweep
            if sid is not None:
                if self.store.get(sid).get("state") == SweepState.PAUSED:
                    self.store.set_state(sid, SweepState.RUNNING)
            else:
                sid = create_sweep(self.source, project=self.project, root=self.store.root)
            agent = self._make_agent(sid)
        except BaseException:
            with _LOCK:
                self._active = False
                _RUNNING.pop(self.key, None)
            self._lock(None)
            raise
        self.trials.reset()
        self.sweep_id, self._current_run = sid, None
        self._paused = self._stopping = False
        self.end_state = self.end_reason = self.error = None
        self._t0, self._t_end, self.note = time.monotonic(), None, ""
        self._paused_total, self._idle_since = 0.0, None
        if self.observer is not None:
            self.observer.before_run(sid)
        self.router.install()
        self._thread = threading.Thread(target=self._run_agent, args=(agent,), daemon=True,
                                        name=f"py_tracker-sweep-widget-{sid}")
        self._thread.start()
        return True

    def pause(self) -> bool:
        """Finish the current trial, start no new one until resume()."""
        return self._set_paused(True)

    def resume(self) -> bool:
        """Start trials again after pause()."""
        return self._set_paused(False)

    def _set_paused(self, paused: bool) -> bool:
        """pause() (`paused`) or resume(): refused (False, the reason in `note`) unless the
        sweep runs and is not stopping, and is paused just when resuming, or when the store
        refuses the state (an ended sweep); a parallel sweep goes through its SweepHandle,
        a local one has its stored state set to SweepState.PAUSED / RUNNING."""
        action, state = ("pause", SweepState.PAUSED) if paused else ("resume", SweepState.RUNNING)
        if not self._active or self._stopping or self._paused == paused:
            return self.refuse("Pause: the sweep is not running." if paused else "Resume: the sweep is not paused.")
        if self.choice.remote:
            return self._remote_control(action)
        try:
            self.store.set_state(self.sweep_id, state)  # type: ignore[arg-type]
        except UsageError as exc:
            return self.refuse(str(exc))
        self._paused, self.note = paused, ""
        if not paused:
            self.progress_state()  # ends the paused wait now (it must not count as elapsed)
        self._changed()
        return True

    def stop(self) -> bool:
        """End the current trial now (state "stopped", what it logged is kept); start no more."""
        if not self._active:
            return self.refuse("Stop: no sweep is running.")
        if self.choice.remote:
            return self._remote_control("stop")
        self._stopping, self.note = True, ""
        try:  # first, so that no new trial is claimed once the current one ends
            self.store.set_state(self.sweep_id, SweepState.STOPPED, reason="stopped from the sweep widget")  # type: ignore[arg-type]
        except UsageError:
            pass  # it ended by itself meanwhile (grid done, target reached)
        if self._runner is not None:
            self._runner.stop("sweep stopped")  # the trial's next log() raises RunStopped
        self._changed()
        return True

    def skip(self) -> bool:
        """End the current trial now (as "stopped", reason "skipped") and go on with the next;
        with parallel trials, every running trial."""
        if self._active and not self._stopping and self.choice.remote:
            return self._remote_control("skip")
        row = self.trials.current
        if not self._active or self._stopping or row is None:
            return self.refuse("Skip: no trial is running.")
        self._skipped.add(row.run_id)
        if self._runner is not None:
            self._runner.stop("skipped")
        self.store.request_skip(self.sweep_id, [row.run_id])  # type: ignore[arg-type]
        self.note = ""
        self._changed()
        return True

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the agent thread has ended; True if it did within `timeout` seconds."""
        t = self._thread
        if t is not None:
            t.join(timeout)
        return not self._active

    def poll_store(self) -> None:
        """Follow pause/resume/stop done elsewhere (sidebar, Api().sweep(...).pause())."""
        if not self._active or self.sweep_id is None:
            return
        try:
            state = self.store.get(self.sweep_id).get("state")
        except Exception:
            return
        if state == SweepState.PAUSED:
            self._paused = True
        elif state == SweepState.RUNNING:
            self._paused = False
        elif state == SweepState.STOPPED:
            self._stopping = True

    # --- the agent thread -----------------------------------------------------------------
    def _make_agent(self, sid: str) -> Any:
        """The engine agent for this sweep and the chosen executor."""
        if not self.choice.remote:
            self._runner = FunctionRunner(self.trial_fn, self.store.catalog)
            return Agent(self.store, sid, self._runner, on_event=self._on_event)
        self._runner = None
        return RemoteAgent(self.store, sid, self.trial_fn, self.choice, self._on_event)

    def _handle(self) -> Any:
        from ...api import Api
        from ...sweeps.handle import SweepHandle
        return SweepHandle.load(Api(self.store.root), self.sweep_id)  # type: ignore[arg-type]

    def _remote_control(self, action: str) -> bool:
        """Stop / pause / resume / skip a parallel sweep through its SweepHandle: the agent
        forwards them to every remote trial within about a second."""
        try:
            handle = self._handle()
            if action == "skip":
                ids = handle.skip()
                if not ids:
                    return self.refuse("Skip: no trial is running.")
                self._skipped.update(ids)
            else:
                getattr(handle, action)()
        except UsageError as exc:
            return self.refuse(str(exc))
        if action == "stop":
            self._stopping = True
        elif action in ("pause", "resume"):
            self._paused = action == "pause"
        self.note = ""
        self._changed()
        return True

    def _run_agent(self, agent: Agent) -> None:
        ident = threading.get_ident()
        self.router.threads.add(ident)
        try:
            with suppress_auto_display():  # trial runs show in the widget, not as panels of their own
                agent.run(self.count)
        except BaseException as exc:  # shown in the output; the kernel must not die of it
            self.error = exc
            traceback.print_exc()
        finally:
            self.router.threads.discard(ident)
            try:
                rec = self.store.get(self.sweep_id)  # type: ignore[arg-type]
                state = rec.get("state")
                self.end_state = str(state) if state in (SweepState.STOPPED, SweepState.FINISHED) else "done"
                self.end_reason = rec.get("reason") or (f"count {self.count} reached" if self.count else None)
            except Exception:
                self.end_state = "done"
            self._t_end = time.monotonic()
            self.trials.current = self._current_run = None
            with _LOCK:
                self._active = False
                self._lock(None)  # the executor settings can change again
                if _RUNNING.get(self.key) is self:
                    del _RUNNING[self.key]
            self.router.uninstall()
            self._changed()

    def _on_event(self, kind: str, info: dict) -> None:
        """Agent events, on the sweep thread: record them; the observer draws."""
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
        self._changed()

    def _trial_run(self, run: Any) -> None:
        """The init hook saw the current trial's run (sweep thread)."""
        row = self.trials.current
        self._current_run = run
        if row is not None:
            row.name = run.name
        if self.observer is not None:
            self.observer.trial_run(run, row)
