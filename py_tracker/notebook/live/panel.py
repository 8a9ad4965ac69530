"""`RunPanel`: W&B's run page as widgets: a header with Stop, and tabs of charts and details.

`RunPanel(run)` takes a live `Run` or an `ApiRun`. While the run is running an
`Updater` thread reads new history (woken by the run's row listener, never on
the `log()` path) and flushes charts on a timer; for a finished run everything is
drawn once. Reusable by other widgets (sweeps): `panel.widget` is a plain VBox,
`panel.charts` the `ChartBoard` of metrics.
"""
from __future__ import annotations

import html
import time
from typing import Any

from ...formats import duration_text, imported_text

from ...storage.records import RunState
from .board import ChartBoard, system_section
from .charts import BASE_X, X_DEFAULT, X_LABELS, X_RUNTIME, ChartOptions
from .source import RunSource, StreamTail
from .tabs import FilesView, LogsView, artifacts_html, kv_table, model_html
from .updater import Tickable, Updater

# badge backgrounds under white text: each at least 4.5:1 against white (WCAG AA)
STATE_COLORS = {RunState.RUNNING.value: "#1864ab", RunState.FINISHED.value: "#2b7a3b",
                RunState.FAILED.value: "#c92a2a", RunState.CRASHED.value: "#c92a2a", RunState.STOPPED.value: "#b35900"}
TAB_CHARTS, TAB_SYSTEM, TAB_MODEL, TAB_LOGS, TAB_FILES, TAB_CONFIG, TAB_SUMMARY, TAB_ARTIFACTS = range(8)


class RunPanel(Tickable):
    """The live (or static) panel of one run. Display it with `display(panel)` or `panel.widget`."""

    def __init__(self, run: Any, *, interval: float = 0.25, start: bool = True):
        import ipywidgets as w
        self.source = RunSource(run)
        src = self.source
        self.options = ChartOptions()
        self.charts = ChartBoard(src.files_dir, self.options, step_metrics=src.step_metrics)
        self.system = ChartBoard(src.files_dir, ChartOptions(x_axis=X_RUNTIME), section=system_section,
                                 empty_text="No system samples yet (PY_TRACKER_MONITOR_INTERVAL=0 turns them off).",
                                 chart_width=320, chart_height=200)
        self.updater = Updater(self, interval=interval)
        self.charts.on_command = self.system.on_command = self.updater.submit
        self._tails = {"history": StreamTail(src.history_path("history")),
                       "system": StreamTail(src.history_path("system"))}
        self.on_finish: list[Any] = []  # callables run (on the updater thread) once the run ended
        self._last_header = 0.0
        self._last_state_check = 0.0
        self._state = src.state

        # header
        self.title = w.HTML()
        self.status = w.HTML()
        self.stop_button = w.Button(description="Stop", button_style="danger", icon="stop",
                                    tooltip="Stop this run: its next log() ends it as 'stopped'",
                                    layout=w.Layout(width="90px"))
        self.stop_button.add_class("py-tracker-stop")
        self.stop_button.add_class(f"py-tracker-run-{src.id}")
        self.stop_button.on_click(self._on_stop)
        self.alerts = w.HTML()
        self.alerts.add_class("py-tracker-alerts")
        header = w.HBox([w.VBox([self.title, self.status, self.alerts], layout=w.Layout(flex="1")), self.stop_button],
                        layout=w.Layout(align_items="center"))

        # controls of the Charts tab
        self.smoothing = w.FloatSlider(value=0.0, min=0.0, max=0.99, step=0.01, description="smoothing",
                                       continuous_update=False, readout_format=".2f")
        self.x_axis = w.Dropdown(options=self._x_options(), value=X_DEFAULT, description="x axis")
        self.log_y = w.Checkbox(value=False, description="log scale", indent=False)
        for ctl in (self.smoothing, self.x_axis, self.log_y):
            ctl.observe(self._on_control, "value")
        controls = w.HBox([self.smoothing, self.x_axis, self.log_y])

        self.logs = LogsView(src.api_run)
        self.files = FilesView(src.api_run)
        self.model = w.HTML()
        self.config = w.HTML()
        self.summary = w.HTML()
        children = [w.VBox([controls, self.charts.widget]), self.system.widget, self.model, self.logs.widget,
                    self.files.widget, self.config, self.summary]
        titles = ["Charts", "System", "Model", "Logs", "Files", "Config", "Summary"]
        self.artifacts = w.HTML(artifacts_html(src.api.root, src.id))
        children.append(self.artifacts)
        titles.append("Artifacts")
        self.tabs = w.Tab(children=children, titles=titles)
        self.tabs.observe(lambda ch: self.updater.submit(self._refresh_tab), "selected_index")
        self.widget = w.VBox([header, self.tabs], layout=w.Layout(border="1px solid var(--jp-border-color2, #ccc)", padding="6px"))
        self.widget.add_class("py-tracker-panel")
        self.widget.add_class(f"py-tracker-panel-{src.id}")

        self.tick()  # what is stored so far
        self._refresh_tab()
        if start and self._state == RunState.RUNNING:
            src.listen(self.updater.wake)
            self.updater.start()
        else:
            self._finished_ui()

    # --- Tickable ---------------------------------------------------------------------------
    def done(self) -> bool:
        src = self.source
        if src.live_run is not None:
            return src.live_run.finished
        now = time.monotonic()
        if now - self._last_state_check >= 2.0:
            self._last_state_check = now
            self._state = src.state
        return self._state != RunState.RUNNING

    def poll(self) -> int:
        """Read what was written since the last call into the boards; returns new metric rows."""
        n, cols = self._tails["history"].read()
        self.charts.ingest(n, cols)
        m, scols = self._tails["system"].read()
        self.system.ingest(m, scols)
        for board, tail in ((self.charts, "history"), (self.system, "system")):
            if board.wall_offset is not None:  # wall time is derived from _runtime from now on
                self._tails[tail].skip = frozenset({"_timestamp"})
        if n:
            opts = self._x_options()
            if [tuple(o) for o in self.x_axis.options] != opts:
                self.x_axis.options = opts  # a new step metric was defined
        return n

    def tick(self) -> None:
        self.poll()
        self.charts.flush()
        self.system.flush()
        now = time.monotonic()
        if now - self._last_header >= 1.0:
            self._last_header = now
            self._update_header()
            if self.tabs.selected_index == TAB_LOGS:
                self.logs.refresh()

    def finalize(self) -> None:
        self.source.unlisten()
        self.poll()
        # the last points go out now, settled or not (jupyter_bokeh cannot re-send a whole
        # figure to a live view: re-rendering registers its views twice)
        self.charts.flush(force=True)
        self.system.flush(force=True)
        self._state = self.source.state
        self._update_header()
        self._finished_ui()
        self._refresh_tab()
        for fn in self.on_finish:
            fn(self)

    # --- header -----------------------------------------------------------------------------
    def _update_header(self) -> None:
        src = self.source
        state = src.state
        color = STATE_COLORS.get(state, "#666")
        bits = [f"project <b>{html.escape(src.project)}</b>"]
        if src.group:
            bits.append(f"group <b>{html.escape(str(src.group))}</b>")
        if src.job_type:
            bits.append(f"job type <b>{html.escape(str(src.job_type))}</b>")
        self.title.value = (f"<span style='font-size:14px'><b>{html.escape(src.name)}</b></span> "
                            f"<span style='background:{color};color:white;border-radius:3px;padding:0 5px'>"
                            f"{html.escape(state)}</span> <span style='color:var(--jp-ui-font-color2,#666)'>{html.escape(src.id)}</span>")
        self.status.value = (" · ".join(bits) + f" · duration <b>{duration_text(src.runtime)}</b>"
                             f" · step <b>{max(0, src.step)}</b>"
                             f" · <span class='py-tracker-points'>{self.charts.points}</span> points")
        origin = imported_text(src.imported)
        self.alerts.value = alerts_html(src.alerts) + (
            f"<div class='py-tracker-imported' style='color:var(--jp-ui-font-color2,#666)'>{html.escape(origin)}</div>"
            if origin else "")

    def _finished_ui(self) -> None:
        self.stop_button.layout.display = "none"

    def _on_stop(self, _button: Any) -> None:
        self.source.request_stop()
        self.stop_button.description = "Stopping…"
        self.stop_button.disabled = True

    # --- controls ---------------------------------------------------------------------------
    def _x_options(self) -> list[tuple[str, str]]:
        opts = [(X_LABELS[k], k) for k in (X_DEFAULT, "_step", "_runtime", "_timestamp")]
        for sm in sorted(set(self.source.step_metrics().values())):
            if sm not in BASE_X:
                opts.append((sm, sm))
        return opts

    def _on_control(self, _change: Any) -> None:
        def apply() -> None:
            self.options.smoothing = float(self.smoothing.value)
            self.options.x_axis = self.x_axis.value or X_DEFAULT
            self.options.log_y = bool(self.log_y.value)
            self.charts.apply_options()
        self.updater.submit(apply)

    def _refresh_tab(self) -> None:
        i = self.tabs.selected_index
        src = self.source
        if i == TAB_MODEL:
            self.model.value = model_html(src.files_dir)
        elif i == TAB_LOGS:
            self.logs.refresh()
        elif i == TAB_FILES:
            self.files.refresh()
        elif i == TAB_CONFIG:
            self.config.value = kv_table(src.config, "No config. Pass init(config={...}).")
        elif i == TAB_SUMMARY:
            self.summary.value = kv_table(src.summary, "Nothing logged yet.")
        elif i == TAB_ARTIFACTS:
            self.artifacts.value = artifacts_html(src.api.root, src.id)

    # --- display ----------------------------------------------------------------------------
    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..display import widget_bundle
        src = self.source
        return widget_bundle(self.widget, f"py_tracker run {src.name} ({src.id}): live panel (open in JupyterLab)",
                             include, exclude)

    def close(self) -> None:
        self.updater.stop()
        self.source.unlisten()


ALERT_COLORS = {"INFO": "#1c7ed6", "WARN": "#f08c00", "ERROR": "#e03131"}


def alerts_html(alerts: list[dict], newest: int = 5) -> str:
    """The newest `wandb.alert()` notices as coloured lines (all text escaped)."""
    lines = []
    for a in alerts[-newest:][::-1]:
        level = str(a.get("level") or "INFO")
        when = time.strftime("%H:%M:%S", time.localtime(float(a.get("at") or 0)))
        lines.append(f"<div style='border-left:4px solid {ALERT_COLORS.get(level, '#666')};padding:1px 6px;"
                     f"margin:2px 0;background:#fafafa'><b>{html.escape(level)}</b> {html.escape(when)} "
                     f"<b>{html.escape(str(a.get('title', '')))}</b>: {html.escape(str(a.get('text', '')))}</div>")
    more = f"<div style='color:#888'>{len(alerts) - newest} earlier alert(s)</div>" if len(alerts) > newest else ""
    return "".join(lines) + more


