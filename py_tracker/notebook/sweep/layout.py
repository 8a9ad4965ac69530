"""The sweep widget's view: `SweepPanelView` builds every ipywidget and chart of the sweep
widget and draws a `SweepSnapshot` (`render`); its buttons call the actions it is given.
It keeps no sweep state — only widgets and what it last drew (to skip redrawing the same).

Layout: a title; Start · Pause · Resume · Skip · Stop; Executor · Parallel · Dask (an
`ExecutorPicker`, locked while a sweep runs); the progress line; tabs "Current
trial" (config + the trial's live charts, a `RunPanel`'s chart board; with parallel
trials on Dask, the list of trials running now), "Trials" (sortable
table, best row highlighted), "Charts" (parallel coordinates, metric by trial at full
width, parameter importance; stacked so none is squeezed or cut off in a narrow sidebar) and
"Output" (what the trials printed). `render`, `show_trial` and `finalize` run on the
widget's `Updater` thread; the constructor and `mark_sweep` on the shell thread.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .charts import SweepCharts
from .controller import SweepSnapshot
from .executor import ExecutorChoice, ExecutorPicker, running_html
from .view import (
    SORT_FIXED,
    TrialRow,
    config_html,
    progress_html,
    trials_table_html,
)

ACTIONS = ("start", "pause", "resume", "skip", "stop")


@dataclass(frozen=True)
class SweepTitle:
    """What the view's title and axes show, fixed for the widget's life."""

    name: str | None
    method: str
    params: list[str]
    metric: str | None
    goal: str
    total: int | None
    cell: str | None
    function_name: str


class SweepPanelView:
    """The widgets of one sweep widget. `actions` maps each of ACTIONS to what its button
    calls (a click must not raise: wrap them); `redraw` is called when a view setting (sort,
    colour) changed and a fresh snapshot should be rendered."""

    def __init__(self, title: SweepTitle, choice: ExecutorChoice, actions: Mapping[str, Callable[[], Any]],
                 redraw: Callable[[], None]):
        import ipywidgets as w
        self.info = title
        self._panel: Any = None
        self._shown_run_class: str | None = None
        self._drawn = -1
        self._drawn_at = 0.0

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
        for name, b in zip(ACTIONS, (self.start_button, self.pause_button, self.resume_button,
                                     self.skip_button, self.stop_button)):
            b.on_click(lambda _b, fn=actions[name]: fn())
        what = f"cell <code>{html.escape(title.cell)}</code>" if title.cell else \
            f"function <code>{html.escape(title.function_name)}</code>"
        self.title = w.HTML(f"<b>Sweep</b>{' ' + html.escape(str(title.name)) if title.name else ''} · "
                            f"{html.escape(title.method)} over {html.escape(', '.join(title.params) or '—')}"
                            f" · {what}" + (f" · {'max' if title.goal == 'maximize' else 'min'}imize "
                                            f"<code>{html.escape(title.metric)}</code>" if title.metric else ""))
        self.picker = ExecutorPicker(choice, cell=title.cell is not None)
        self.progress = w.HTML()
        self.trial_config = w.HTML("<i>No trial running.</i>")
        self.trial_charts = w.VBox([])
        self.sort = w.Dropdown(options=list(SORT_FIXED) + title.params, value="#", description="sort by",
                               layout=w.Layout(width="240px"))
        self.descending = w.Checkbox(value=False, description="descending", indent=False)

        def changed(_ch: Any) -> None:
            self._drawn = -1
            redraw()
        for ctl in (self.sort, self.descending):
            ctl.observe(changed, "value")
        self.table = w.HTML()
        self.charts = SweepCharts(title.params, title.metric, title.goal, total=title.total)
        self.charts.colour_by.observe(changed, "value")
        self.output = w.Output(layout=w.Layout(max_height="320px", overflow="auto", border="1px solid var(--jp-border-color2, #eee)"))
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

    # --- drawing ----------------------------------------------------------------------------
    def render(self, snap: SweepSnapshot) -> None:
        """Draw `snap`: the stop button's classes, the table and charts (when the rows changed,
        or each second while a trial runs, for its duration), the progress line and which
        controls are enabled."""
        self._sync_stop_class(snap)
        now = time.monotonic()
        if snap.version != self._drawn or (snap.current is not None and now - self._drawn_at >= 1.0):
            rows = list(snap.rows)
            self._drawn, self._drawn_at = snap.version, now
            self.table.value = trials_table_html(rows, self.info.params, self.info.metric, self.info.goal,
                                                 self.sort.value or "#", bool(self.descending.value), now=time.time())
            self.charts.update(rows)
            if snap.remote and (snap.active or rows):
                self.trial_config.value = running_html(rows, snap.executor)
        self.charts.flush()
        self._draw_controls(snap)

    def _draw_controls(self, snap: SweepSnapshot) -> None:
        self.picker.set_enabled(not snap.active)
        note = snap.note or (f"ended: {snap.end_reason}" if snap.end_reason and not snap.active else "")
        if snap.error is not None and not snap.active:
            note = f"the sweep ended with an error: {snap.error!r} (see Output)"
        self.progress.value = progress_html(snap.done, snap.total, snap.elapsed, snap.remaining, snap.phase,
                                            snap.sweep_id, note)
        active = snap.active
        idle = not snap.running_trials if snap.remote else snap.current is None  # parallel: Skip ends all running
        self.start_button.disabled = active
        self.pause_button.disabled = not active or snap.paused or snap.stopping
        self.resume_button.disabled = not active or not snap.paused or snap.stopping
        self.skip_button.disabled = not active or idle or snap.stopping
        self.stop_button.disabled = not active or snap.stopping

    def _sync_stop_class(self, snap: SweepSnapshot) -> None:
        want = f"py-tracker-run-{snap.current_run_id}" if snap.current_run_id and snap.active else None
        if want != self._shown_run_class:
            if self._shown_run_class:
                self.stop_button.remove_class(self._shown_run_class)
            if want:
                self.stop_button.add_class(want)
            self._shown_run_class = want

    def mark_sweep(self, sweep_id: str) -> None:
        """Give Stop the class `py-tracker-sweep-<id>` of this sweep only (for an out-of-band
        sweep stop), dropping a previous sweep's."""
        for cls in [c for c in self.stop_button._dom_classes if c.startswith("py-tracker-sweep-")]:
            self.stop_button.remove_class(cls)
        self.stop_button.add_class(f"py-tracker-sweep-{sweep_id}")

    def show_trial(self, run: Any, row: TrialRow | None) -> None:
        """The current trial's config and live charts (a `RunPanel` following `run`)."""
        from ..live.panel import RunPanel
        old, self._panel = self._panel, RunPanel(run, interval=0.25)
        self.trial_config.value = config_html(row.number if row else 0, run.name, run.id,
                                              row.config if row else dict(run.config.as_dict()))
        self.trial_charts.children = [self._panel.charts.widget]
        if old is not None:  # the previous trial's panel: stop its thread, free its widgets in the page
            old.close()
            close_tree(old.widget)

    def finalize(self) -> None:
        """The last drawing of a sweep: every pending chart update, the charts' ranges in sync."""
        self.charts.flush(force=True)
        self.charts.resync()

    def close(self) -> None:
        """Close every widget (the current trial's panel included)."""
        if self._panel is not None:
            self._panel.close()
            close_tree(self._panel.widget)
            self._panel = None
        close_tree(self.widget)

    def static_html(self, snap: SweepSnapshot) -> str:
        """`snap` without JavaScript: heading, the trials table and the metric of each trial as an SVG chart."""
        from ..snapshot import svg_lines
        rows, metric, goal = list(snap.rows), self.info.metric, self.info.goal
        head = (f"<b>Sweep {html.escape(str(snap.sweep_id or '(not started)'))}</b> · {len(rows)} trial(s)"
                + (f" · metric <code>{html.escape(metric)}</code> ({html.escape(goal)})" if metric else ""))
        table = trials_table_html(rows, self.info.params, metric, goal, "#", False, now=time.time())
        chart = ""
        vals = [(i + 1, r.metric) for i, r in enumerate(rows) if isinstance(r.metric, (int, float))]
        if vals and metric:
            chart = svg_lines(f"{metric} by trial", [("", [v[0] for v in vals], [v[1] for v in vals], "#1f77b4")])
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
