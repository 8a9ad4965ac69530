"""The sweep widget's two summary charts (Bokeh in `jupyter_bokeh.BokehModel` widgets):

- parallel coordinates: one polyline per trial across the swept parameters that vary
  (constant ones left out) and the metric; numeric axes scaled min…max over the trials
  with round tick values in the parameter's units, categorical ones evenly spaced and
  labelled; coloured by the metric, with a colour bar;
- the metric vs. trial number, coloured by state, with the best-so-far line: full width
  (stretches with the page), its x range always every trial (1 … the sweep's count);
- parameter importance (`py_tracker.sweeps.importance`) as an HTML table below them.

`colour_by` (a Dropdown: the sweep metric, then every other numeric summary key the
trials reported) chooses the metric of the parallel chart's last axis, its colours and
colour bar, and of the importance table; "by trial" always shows the sweep metric.

`update(rows)` recomputes the data; `flush()` sends it (whole-data replaces, never
patches) and must be called from the widget's single owner thread, no sooner than
`settle` s after the widgets were created (a change racing the first render of a
BokehJS view can leave it blank; see charts.LiveChart).
"""
from __future__ import annotations

import math
import time
from typing import Any

from ...sweeps.axes import axis_values
from ...sweeps.best import metric_value, running_best
from ...sweeps.importance import importance_html, parameter_importance
from .view import STATE_COLORS, TrialRow



def varying(params: list[str], rows: list[TrialRow]) -> list[str]:
    """The parameters that take more than one value over `rows` (all of them while fewer
    than two trials ended: nothing is known to be constant yet)."""
    if len(rows) < 2:
        return list(params)
    return [p for p in params if len({repr(r.flat.get(p)) for r in rows}) > 1]


class SweepCharts:
    """Parallel coordinates and metric-vs-trial for one sweep."""

    settle = 1.5

    def __init__(self, params: list[str], metric: str | None, goal: str = "minimize", total: int | None = None):
        from bokeh.models import ColorBar, ColumnDataSource, FixedTicker, HoverTool, LinearColorMapper, Range1d
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure
        self.params, self.metric, self.goal = list(params), metric, goal
        self.axes = self.params + ([metric] if metric else [])
        self.colour_bar: Any = None
        n_axes = max(1, len(self.axes))
        self.mapper = LinearColorMapper(palette=Viridis256 if goal == "maximize" else Viridis256[::-1],
                                        low=0, high=1, nan_color="#bbbbbb")
        self.lines = ColumnDataSource({"xs": [], "ys": [], "score": [], "trial": []})
        self.ticks = ColumnDataSource({"x": [], "y": [], "text": []})
        self.axis_lines = ColumnDataSource({"xs": [[a, a] for a in range(n_axes)], "ys": [[0, 1]] * n_axes})
        self.par_range = Range1d(-0.3, n_axes - 0.4)
        par = figure(title=f"parameters → {metric or 'metric'}", height=300, sizing_mode="stretch_width",
                     min_width=320, tools="pan,wheel_zoom,reset,save", toolbar_location="above",
                     y_range=(-0.1, 1.12), x_range=self.par_range, output_backend="canvas")
        par.multi_line("xs", "ys", source=self.lines, line_color={"field": "score", "transform": self.mapper},
                       line_width=2, line_alpha=0.85, hover_line_width=4)
        par.add_tools(HoverTool(tooltips=[("trial", "@trial"), (metric or "metric", "@score{0.[0000]}")]))
        par.multi_line("xs", "ys", source=self.axis_lines, line_color="#555555", line_width=1)
        par.text("x", "y", "text", source=self.ticks, text_font_size="8pt", text_baseline="middle")
        self.axis_ticker = FixedTicker(ticks=list(range(len(self.axes))))
        par.xaxis.ticker = self.axis_ticker
        par.xaxis.major_label_overrides = {i: a for i, a in enumerate(self.axes)}
        if metric:
            self.colour_bar = ColorBar(color_mapper=self.mapper, width=10, title=metric)
            par.add_layout(self.colour_bar, "right")
        par.yaxis.visible = False
        par.ygrid.visible = False
        self.parallel = par

        self.points = ColumnDataSource({"n": [], "value": [], "color": [], "state": [], "run": []})
        self.best = ColumnDataSource({"n": [], "value": []})
        self.total = total
        self.x_range = Range1d(0.5, max(total or 1, 1) + 0.5)  # every trial, not Bokeh's auto-range guess
        mvt = figure(title=f"{metric or 'metric'} by trial", height=280, sizing_mode="stretch_width",
                     min_width=320, x_range=self.x_range,
                     tools="pan,box_zoom,wheel_zoom,reset,save", toolbar_location="above", output_backend="canvas")
        mvt.step("n", "value", source=self.best, mode="after", line_color="#2f9e44", line_width=2,
                 legend_label="best so far")
        dots = mvt.scatter("n", "value", source=self.points, color="color", size=8)
        mvt.add_tools(HoverTool(renderers=[dots], tooltips=[("trial", "@n"), ("run", "@run"), ("state", "@state"),
                                                            (metric or "metric", "@value{0.[0000]}")]))
        mvt.xaxis.axis_label = "trial"
        mvt.yaxis.axis_label = metric or "metric"
        mvt.legend.location = "top_right"
        self.by_trial = mvt
        self._pending: dict[str, dict] | None = None
        import ipywidgets as w
        self._importance_html = importance_html(parameter_importance([], [], self.params), metric)
        self._importance_key: tuple | None = None
        self.importance = w.HTML(self._importance_html)
        self.colour_by = w.Dropdown(options=[metric] if metric else [], value=metric, description="metric",
                                    layout=w.Layout(width="320px"))
        self._widgets: list[Any] = []
        self._born: float | None = None
        self.flushes = 0

    def widgets(self) -> list[Any]:
        if not self._widgets:
            from ..live.bokeh_widget import LiveBokehModel as BokehModel
            import ipywidgets as w
            self._widgets = [BokehModel(fig, layout=w.Layout(width="100%")) for fig in (self.parallel, self.by_trial)]
            for wdg in self._widgets:
                wdg.add_class("py-tracker-chart")
            self._born = time.monotonic()
        return self._widgets

    def update(self, rows: list[TrialRow]) -> None:
        """Recompute every chart's data from the trials (cheap: a few hundred rows at most)."""
        ended = [r for r in rows if r.state != "running"]
        shown = varying(self.params, ended)
        columns = [[r.flat.get(p) for r in ended] for p in shown]
        chosen = self._choose(ended)
        values = [r.metric if chosen == self.metric else
                  (metric_value(r.summary, chosen, self.goal) if chosen else None) for r in ended]
        scores = [v if v is not None else float("nan") for v in values]
        if chosen:
            columns.append(values)
        placed, tx, ty, tt = [], [], [], []
        for a, col in enumerate(columns):
            keep = [v for v in col if v is not None] if a == len(shown) else col
            vals, ticks = axis_values(keep)
            if a == len(shown):  # the metric axis: trials without a value sit below it
                it = iter(vals)
                vals = [next(it) if v is not None else -0.06 for v in col]
            placed.append(vals)
            for y, text in ticks:
                tx.append(a + 0.05)
                ty.append(y)
                tt.append(text)
        xs = [list(range(len(columns))) for _ in ended]
        ys = [[placed[a][i] for a in range(len(columns))] for i in range(len(ended))]
        finite = [s for s in scores if not math.isnan(s)]
        lines = {"xs": xs, "ys": ys, "score": scores, "trial": [r.number for r in ended]}
        pts = [r for r in ended if r.metric is not None]
        best_line = running_best(sorted(pts, key=lambda r: r.number), lambda r: r.metric, self.goal)
        best_n, best_v = [r.number for r, _ in best_line], [v for _, v in best_line]
        last = max([r.number for r in rows] + [self.total or 0, 1])
        key = (chosen, tuple((r.run_id, v) for r, v in zip(ended, values)))
        if key != self._importance_key:  # a forest fit costs ~0.1 s: only when a trial ended or the metric changed
            self._importance_key = key
            self._importance_html = importance_html(
                parameter_importance([r.flat for r in ended], values, self.params), chosen)
        axes = shown + ([chosen] if chosen else [])
        self._pending = {
            "axes": axes, "lines": lines, "ticks": {"x": tx, "y": ty, "text": tt},
            "points": {"n": [r.number for r in pts], "value": [r.metric for r in pts],
                       "color": [STATE_COLORS.get(r.label, "#666") for r in pts],
                       "state": [r.label for r in pts], "run": [r.name or r.run_id for r in pts]},
            "best": {"n": best_n, "value": best_v},
            "x_range": {"start": 0.5, "end": last + 0.5},
            "importance": self._importance_html,
            "range": {"low": min(finite) if finite else 0.0,
                      "high": (max(finite) if finite and max(finite) > min(finite) else (min(finite) + 1 if finite else 1.0))},
        }

    def _choose(self, ended: list[TrialRow]) -> str | None:
        """The metric chosen in `colour_by`; offers every numeric summary key seen so far."""
        if not self.metric:
            return None
        keys = {k for r in ended for k, v in r.summary.items()
                if not k.startswith("_") and k != self.metric and metric_value(r.summary, k, self.goal) is not None}
        options = [self.metric, *sorted(keys)]
        chosen = self.colour_by.value or self.metric
        if list(self.colour_by.options) != options:
            if chosen not in options:
                chosen = self.metric
            self.colour_by.options = options
            self.colour_by.value = chosen
        return chosen

    def flush(self, force: bool = False) -> bool:
        """Send the data of the last update() (owner thread only)."""
        if self._pending is None:
            return False
        if not force and self._born is not None and time.monotonic() - self._born < self.settle:
            return False
        p, self._pending = self._pending, None
        self.mapper.update(**p["range"])
        if p["axes"] != self.axes:  # a parameter turned out constant (or varies after all)
            self.axes = p["axes"]
            n = max(1, len(self.axes))
            self.axis_ticker.ticks = list(range(len(self.axes)))
            self.parallel.xaxis.major_label_overrides = {i: a for i, a in enumerate(self.axes)}
            self.axis_lines.data = {"xs": [[a, a] for a in range(n)], "ys": [[0, 1]] * n}
            self.par_range.update(start=-0.3, end=n - 0.4)
            if self.colour_bar is not None and self.axes:
                self.colour_bar.title = self.axes[-1]
                self.parallel.title.text = f"parameters → {self.axes[-1]}"
        self.lines.data = p["lines"]
        self.ticks.data = p["ticks"]
        self.points.data = p["points"]
        self.best.data = p["best"]
        self.x_range.update(**p["x_range"])
        if self.importance.value != p["importance"]:
            self.importance.value = p["importance"]
        self.flushes += 1
        return True

    def resync(self) -> None:
        """Re-send whole figures so every view (also one created late) shows the final data."""
        for wdg, fig in zip(self._widgets, (self.parallel, self.by_trial)):
            wdg.update_from_model(fig)
