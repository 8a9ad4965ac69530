"""The sweep widget's widgets and drawing: `SweepLayout`, the half of `SweepWidget` that
owns every ipywidget and chart update.

Layout: a title; Start · Pause · Resume · Skip · Stop; Executor · Parallel · Dask (an
`ExecutorPicker`, locked while a sweep runs); the progress line; tabs "Current
trial" (config + the trial's live charts, a `RunPanel`'s chart board; with parallel
trials on Dask, the list of trials running now), "Trials" (sortable
table, best row highlighted), "Charts" (parallel coordinates, metric by trial at full
width, parameter importance; stacked so none is squeezed or cut off in a narrow sidebar) and
"Output" (what the trials printed). Everything here runs on the widget's `Updater`
thread (`tick`), except `_build` (constructor) and `_kick` (any thread).
"""
from __future__ import annotations

import html
import time
from typing import Any

from .sweep_charts import SweepCharts
from .sweep_executor import ExecutorPicker, running_html
from .sweep_output import ThreadOutput
from .sweep_view import SORT_FIXED, TrialRow, config_html, progress_html, trials_table_html
from .updater import Tickable


class SweepLayout(Tickable):
    """Drawing half of `SweepWidget`. Reads the controller's state — `trials` (a TrialBook),
    `_current_run`, `_active`, `_paused`, `_stopping`, `note`,
    `error`, `end_reason`, `sweep_id`, `params`, `metric`, `goal`, `config`,
    `progress_state()`, `_poll_store()`, `choice` — and calls its controls `start/pause/resume/skip/stop`
    (through `_click`)."""

    updater: Any

    def _build(self, cell: str | None, function: Any) -> None:
        import ipywidgets as w
        self._panel: Any = None
        self._shown_run_class: str | None = None
        self._drawn = -1
        self._last_slow = 0.0

        def button(desc: str, icon: str, style: str = "", tip: str = "") -> Any:
            b = w.Button(description=desc, icon=icon, button_style=style, tooltip=tip, layout=w.Layout(width="95px"))
            b.add_class(f"py-tracker-{desc.lower()}-button")  # no `py-tracker-sweep-` prefix: that names a sweep id
            return b
        self.start_button = button("Start", "play", "success", "Start the sweep")
        self.pause_button = button("Pause", "pause", "warning", "Finish the current trial, then wait")
        self.resume_button = button("Resume", "play", "info", "Start trials again")
        self.skip_button = button("Skip", "forward", "", "End the current trial now and go on with the next")
        self.stop_button = button("Stop", "stop", "danger", "End the current trial now and start no more")
        self.stop_button.add_class("py-tracker-stop")  # + py-tracker-run-<trial id>: out-of-band stop
        for b, fn in ((self.start_button, self.start), (self.pause_button, self.pause),
                      (self.resume_button, self.resume), (self.skip_button, self.skip), (self.stop_button, self.stop)):
            b.on_click(lambda _b, fn=fn: self._click(fn))
        what = f"cell <code>{html.escape(cell)}</code>" if cell else \
            f"function <code>{html.escape(getattr(function, '__name__', 'train'))}</code>"
        name = self.config.get("name")
        self.title = w.HTML(f"<b>Sweep</b>{' ' + html.escape(str(name)) if name else ''} · "
                            f"{html.escape(self.config['method'])} over {html.escape(', '.join(self.params) or '—')}"
                            f" · {what}" + (f" · {'max' if self.goal == 'maximize' else 'min'}imize "
                                            f"<code>{html.escape(self.metric)}</code>" if self.metric else ""))
        self.picker = ExecutorPicker(self.choice, cell=cell is not None)
        self.progress = w.HTML()
        self.trial_config = w.HTML("<i>No trial running.</i>")
        self.trial_charts = w.VBox([])
        self.sort = w.Dropdown(options=list(SORT_FIXED) + self.params, value="#", description="sort by",
                               layout=w.Layout(width="240px"))
        self.descending = w.Checkbox(value=False, description="descending", indent=False)
        for ctl in (self.sort, self.descending):
            ctl.observe(lambda _ch: self._redraw(), "value")
        self.table = w.HTML()
        self.charts = SweepCharts(self.params, self.metric, self.goal, total=self.total)
        self.charts.colour_by.observe(lambda _ch: self._redraw(), "value")
        self.output = w.Output(layout=w.Layout(max_height="320px", overflow="auto", border="1px solid var(--jp-border-color2, #eee)"))
        self.router = ThreadOutput(self.output)
        self.tabs = w.Tab(children=[w.VBox([self.trial_config, self.trial_charts]),
                                    w.VBox([w.HBox([self.sort, self.descending]), self.table]),
                                    w.VBox([self.charts.colour_by, *self.charts.widgets(), self.charts.importance],
                                           layout=w.Layout(width="100%")), self.output],
                          titles=["Current trial", "Trials", "Charts", "Output"])
        self.tabs.children[2].add_class("py-tracker-sweep-charts")
        self.widget = w.VBox([self.title, w.HBox([self.start_button, self.pause_button, self.resume_button,
                                                  self.skip_button, self.stop_button]), self.picker.widget,
                             self.progress, self.tabs],
                             layout=w.Layout(border="1px solid var(--jp-border-color1, #ccc)", padding="6px"))
        self.widget.add_class("py-tracker-sweep")

    def _kick(self) -> None:
        if self.updater.alive:
            self.updater.wake.set()
        else:
            self.updater.submit(self.tick)

    def _redraw(self) -> None:
        self._drawn = -1
        self._kick()

    def _show_trial(self, run: Any, row: TrialRow | None) -> None:
        from .panel import RunPanel
        old, self._panel = self._panel, RunPanel(run, interval=0.25)
        self.trial_config.value = config_html(row.number if row else 0, run.name, run.id,
                                              row.config if row else dict(run.config.as_dict()))
        self.trial_charts.children = [self._panel.charts.widget]
        if old is not None:  # the previous trial's panel: stop its thread, free its widgets in the page
            old.close()
            close_tree(old.widget)

    def _close_widgets(self) -> None:
        if self._panel is not None:
            self._panel.close()
            close_tree(self._panel.widget)
            self._panel = None
        close_tree(self.widget)

    def _sync_stop_class(self) -> None:
        run = self._current_run
        want = f"py-tracker-run-{run.id}" if run is not None and self._active else None
        if want != self._shown_run_class:
            if self._shown_run_class:
                self.stop_button.remove_class(self._shown_run_class)
            if want:
                self.stop_button.add_class(want)
            self._shown_run_class = want

    def tick(self) -> None:
        self.router.flush()
        self._sync_stop_class()
        now = time.monotonic()
        slow = now - self._last_slow >= 1.0
        if self.trials.version != self._drawn or (slow and self.trials.current is not None):
            version, rows = self.trials.snapshot()
            self._drawn = version
            self.table.value = trials_table_html(rows, self.params, self.metric, self.goal, self.sort.value or "#",
                                                 bool(self.descending.value), now=time.time())
            self.charts.update(rows)
            if self.choice.remote and (self._active or rows):
                self.trial_config.value = running_html(rows, self.choice.describe())
        self.charts.flush()
        if slow:
            self._last_slow = now
            self._poll_store()
        self._draw_controls()

    def finalize(self) -> None:
        self.tick()
        self.charts.flush(force=True)
        self.charts.resync()

    def _draw_controls(self) -> None:
        if self.picker.refused:  # an edit of the executor settings while the sweep runs was undone
            self.note, self.picker.refused = self.picker.refused, ""
        self.picker.set_enabled(not self._active)
        p = self.progress_state()
        note = self.note or (f"ended: {self.end_reason}" if self.end_reason and not self._active else "")
        if self.error is not None and not self._active:
            note = f"the sweep ended with an error: {self.error!r} (see Output)"
        self.progress.value = progress_html(p["done"], p["total"], p["elapsed"], p["remaining"], p["phase"],
                                            self.sweep_id, note)
        active, idle = self._active, self.trials.current is None
        if self.choice.remote:  # several trials at once: Skip ends every running one
            idle = not any(r.state == "running" for r in self.trials.snapshot()[1])
        self.start_button.disabled = active
        self.pause_button.disabled = not active or self._paused or self._stopping
        self.resume_button.disabled = not active or not self._paused or self._stopping
        self.skip_button.disabled = not active or idle or self._stopping
        self.stop_button.disabled = not active or self._stopping

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from .display import widget_bundle
        return widget_bundle(self.widget, "py_tracker sweep widget (open in JupyterLab)", include, exclude)

    def _ipython_display_(self) -> None:
        from .display import display_with_static
        display_with_static(self.widget, "py_tracker sweep widget (open in JupyterLab)", self.static_html,
                            "py-tracker-sweep", "py-tracker-static-sweep")

    def static_html(self) -> str:
        """The sweep as it is now, without JavaScript: progress, the trials table and the metric
        of each trial as an SVG chart."""
        from .snapshot import svg_lines
        _, rows = self.trials.snapshot()
        head = (f"<b>Sweep {html.escape(str(self.sweep_id or '(not started)'))}</b> · {len(rows)} trial(s)"
                + (f" · metric <code>{html.escape(self.metric)}</code> ({html.escape(self.goal)})" if self.metric else ""))
        table = trials_table_html(rows, self.params, self.metric, self.goal, "#", False, now=time.time())
        chart = ""
        vals = [(i + 1, r.metric) for i, r in enumerate(rows) if isinstance(r.metric, (int, float))]
        if vals and self.metric:
            chart = svg_lines(f"{self.metric} by trial", [("", [v[0] for v in vals], [v[1] for v in vals], "#1f77b4")])
        return head + table + chart


def close_tree(widget: Any) -> None:
    """Close a widget and everything inside it (ipywidgets keeps every widget until closed)."""
    for child in getattr(widget, "children", ()) or ():
        close_tree(child)
    for part in ("layout", "style"):  # widgets of their own
        sub = getattr(widget, part, None)
        if sub is not None and hasattr(sub, "close") and hasattr(sub, "comm"):
            try:
                sub.close()
            except Exception:
                pass
    try:
        widget.close()
    except Exception:  # already closed, or the kernel's comm manager is gone
        pass
    if hasattr(widget, "update_from_model"):  # jupyter_bokeh's close() fails when called again
        widget.close = _closed  # (by Widget.__del__): make the second call a no-op


def _closed() -> None:
    return None
