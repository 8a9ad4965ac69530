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

Parts: `SweepWidget` composes a `SweepController` (sweep_controller: the agent thread, the
trials, the controls, `snapshot()`) and a `SweepPanelView` (sweep_layout: the widgets,
`render(snapshot)`), and is the controller's observer: it wakes its `Updater` to draw.

Threads: the sweep thread runs the agent and only records events; one `Updater` thread
owns every widget and chart update (Bokeh documents are not thread-safe); button
handlers (shell thread) write the sweep's state in the store and ask the trial's run to
stop. The current trial's live charts are a `RunPanel`'s board with its own updater.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from ...errors import UsageError
from .cell import parse_magic
from .controller import SweepController, SweepSnapshot
from .executor import ExecutorChoice, split_magic
from .layout import ACTIONS, SweepPanelView, SweepTitle
from .view import TrialRow
from ..live.updater import Tickable, Updater


class SweepWidget(Tickable):
    """One sweep driven from the notebook. Display it (`w` / `display(w)`); control it with the
    buttons or `start()`, `pause()`, `resume()`, `skip()`, `stop()`, `wait()`. Each control
    returns whether it acted; a refusal says why in the widget (and in `note`).

    Has a `controller` (the sweep, headless) and a `view` (its widgets); the attributes below
    delegate to them by name. It is the controller's observer and the `Updater`'s target
    (`tick`: one snapshot of the controller rendered by the view)."""

    def __init__(self, config: Any, *, cell: str | None = None, function: Callable[[], Any] | None = None,
                 count: int | None = None, project: str | None = None, root: Any = None, shell: Any = None,
                 sweep_id: str | None = None, interval: float = 0.25, executor: Any = None, parallel: int = 1):
        self.cell, self.function, self.project = cell, function, project
        self._last_poll = 0.0
        self.controller = SweepController.make(config, cell=cell, function=function, count=count, project=project,
                                               root=root, shell=shell, sweep_id=sweep_id, executor=executor,
                                               parallel=parallel)
        ctl, plan = self.controller, self.controller.plan
        actions = {name: self._button(getattr(self, name)) for name in ACTIONS}
        title = SweepTitle(plan.config.get("name"), plan.config["method"], plan.params, plan.metric, plan.goal,
                           plan.total, cell, getattr(function, "__name__", "train"))
        self.view = SweepPanelView(title, plan.choice, actions, redraw=self._kick)
        ctl.router.output = self.view.output
        self.updater = Updater(self, interval=interval)
        ctl.observer = self  # from here on the controller tells this widget (it is fully built)
        self.tick()

    # --- the controller's state, by name ------------------------------------------------------
    store = property(lambda self: self.controller.store, doc="The sweep's store (a SweepStore).")
    config = property(lambda self: self.controller.config, doc="The sweep config, parsed.")
    params = property(lambda self: self.controller.params, doc="The swept parameters.")
    metric = property(lambda self: self.controller.metric, doc="The sweep metric's name (or None).")
    goal = property(lambda self: self.controller.goal, doc='"minimize" or "maximize".')
    total = property(lambda self: self.controller.total, doc="How many trials the sweep has (None: unbounded).")
    count = property(lambda self: self.controller.count, doc="The trial count asked for (or None).")
    key = property(lambda self: self.controller.key, doc="The cell/function this sweep runs on.")
    sweep_id = property(lambda self: self.controller.sweep_id, doc="The sweep's id once started.")
    trials = property(lambda self: self.controller.trials, doc="The TrialBook of this widget's trials.")
    note = property(lambda self: self.controller.note, doc="Why the last control was refused ('' if none).")
    error = property(lambda self: self.controller.error, doc="What the sweep raised, if it did.")
    end_state = property(lambda self: self.controller.end_state, doc="How the sweep ended (or None).")
    end_reason = property(lambda self: self.controller.end_reason, doc="Why the sweep ended (or None).")
    choice = property(lambda self: self.controller.choice, doc="The executor settings (ExecutorChoice).")
    router = property(lambda self: self.controller.router, doc="The trials' prints (a ThreadOutput).")

    @property
    def running(self) -> bool:
        """True from start() until the sweep thread has ended."""
        return self.controller.running

    @property
    def phase(self) -> str:
        return self.controller.phase

    @property
    def rows(self) -> list[TrialRow]:
        """The trials this widget started, in order (a copy)."""
        return self.controller.rows

    @property
    def best(self) -> TrialRow | None:
        return self.controller.best

    @property
    def current(self) -> TrialRow | None:
        return self.controller.current

    @property
    def output_text(self) -> str:
        return self.controller.output_text

    def progress_state(self) -> dict:
        """{done, started, total, elapsed, remaining, phase} as shown in the progress line."""
        return self.controller.progress_state()

    def snapshot(self) -> SweepSnapshot:
        """The sweep's state now (what the view renders)."""
        return self.controller.snapshot()

    # --- the view's widgets, by name ----------------------------------------------------------
    widget = property(lambda self: self.view.widget, doc="The whole widget (an ipywidgets VBox).")
    title = property(lambda self: self.view.title)
    picker = property(lambda self: self.view.picker, doc="The executor settings (ExecutorPicker).")
    progress = property(lambda self: self.view.progress)
    trial_config = property(lambda self: self.view.trial_config)
    trial_charts = property(lambda self: self.view.trial_charts)
    sort = property(lambda self: self.view.sort)
    descending = property(lambda self: self.view.descending)
    table = property(lambda self: self.view.table)
    charts = property(lambda self: self.view.charts, doc="The sweep's charts (SweepCharts).")
    output = property(lambda self: self.view.output)
    tabs = property(lambda self: self.view.tabs)
    start_button = property(lambda self: self.view.start_button)
    pause_button = property(lambda self: self.view.pause_button)
    resume_button = property(lambda self: self.view.resume_button)
    skip_button = property(lambda self: self.view.skip_button)
    stop_button = property(lambda self: self.view.stop_button)

    # --- drawing (the Updater's target) -------------------------------------------------------
    def tick(self) -> None:
        """One drawing round: the trials' prints, store changes made elsewhere (each second),
        then the controller's snapshot rendered."""
        ctl, view = self.controller, self.view
        ctl.router.flush()
        if view.picker.refused:  # an edit of the executor settings while the sweep runs was undone
            ctl.note, view.picker.refused = view.picker.refused, ""
        now = time.monotonic()
        if now - self._last_poll >= 1.0:
            self._last_poll = now
            ctl.poll_store()
        view.render(ctl.snapshot())

    def done(self) -> bool:
        return not self.controller.running

    def finalize(self) -> None:
        self.tick()
        self.view.finalize()

    def _button(self, control: Callable[[], bool]) -> Callable[[], None]:
        """What a button calls: `control` through the controller's `click` (never raises)."""
        return lambda: self.controller.click(control)

    def _kick(self) -> None:
        if self.updater.alive:
            self.updater.wake.set()
        else:
            self.updater.submit(self.tick)

    # --- the controller's observer (any thread) -----------------------------------------------
    def changed(self) -> None:
        self._kick()

    def trial_run(self, run: Any, row: TrialRow | None) -> None:
        self.updater.submit(lambda: self.view.show_trial(run, row))

    def lock(self, choice: ExecutorChoice | None) -> None:
        self.view.picker.lock(choice)

    def before_run(self, sweep_id: str) -> None:
        self.view.mark_sweep(sweep_id)
        end = time.monotonic() + 2.0
        while self.updater.alive and time.monotonic() < end:  # the previous sweep's last drawing
            time.sleep(0.01)
        self.updater.start()

    # --- controls ---------------------------------------------------------------------------
    def start(self) -> bool:
        """Create the sweep and run its trials on a background thread, with the executor the
        widget shows. Refused while this widget, or another one on the same cell/function, runs
        a sweep. Bad executor settings raise UsageError (a cell with processes/Dask, an unknown
        Client variable, an unpicklable function)."""
        choice = self.view.picker.read(self.controller.namespace())
        return self.controller.start(choice)

    def pause(self) -> bool:
        """Finish the current trial, start no new one until resume()."""
        return self.controller.pause()

    def resume(self) -> bool:
        return self.controller.resume()

    def stop(self) -> bool:
        """End the current trial now (state "stopped", what it logged is kept); start no more."""
        return self.controller.stop()

    def skip(self) -> bool:
        """End the current trial now (as "stopped", reason "skipped") and go on with the next;
        with parallel trials, every running trial."""
        return self.controller.skip()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the sweep has ended and the widget shows its final state; True if it did."""
        end = None if timeout is None else time.monotonic() + timeout
        self.controller.wait(timeout)
        while self.updater.alive and (end is None or time.monotonic() < end):
            time.sleep(0.02)
        return not self.controller.running and not self.updater.alive

    def close(self) -> None:
        """Stop the sweep (if running) and the widget's threads, and close its widgets."""
        if self.controller.running:
            self.stop()
            self.wait(10)
        self.updater.stop()
        self.controller.router.uninstall()
        self.view.close()

    # --- display ----------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..display import widget_bundle
        return widget_bundle(self.view.widget, "py_tracker sweep widget (open in JupyterLab)", include, exclude)

    def _ipython_display_(self) -> None:
        from ..display import display_with_static
        display_with_static(self.view.widget, "py_tracker sweep widget (open in JupyterLab)", self.static_html,
                            "py-tracker-sweep", "py-tracker-static-sweep")

    def static_html(self) -> str:
        """The sweep as it is now, without JavaScript: progress, the trials table and the metric
        of each trial as an SVG chart."""
        return self.view.static_html(self.controller.snapshot())

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
    from ..display import ensure_bokeh, in_notebook
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
    from .cell import _usage
    try:
        line, executor, parallel = split_magic(line, getattr(shell, "user_ns", None) or {})
    except UsageError as exc:
        raise _usage(str(exc)) from None
    kwargs = parse_magic(line, shell)
    try:
        return sweep_widget(shell=shell, executor=executor, parallel=parallel, **kwargs)
    except UsageError as exc:
        raise _usage(str(exc)) from None
