"""The sweep widget's two summary charts (Bokeh in `jupyter_bokeh.BokehModel` widgets):

- parallel coordinates: one polyline per trial across the swept parameters and the metric
  (numeric axes scaled min…max over the trials, categorical ones evenly spaced), coloured
  by the metric;
- the metric vs. trial number, coloured by state, with the best-so-far line.

`update(rows)` recomputes the data; `flush()` sends it (whole-data replaces, never
patches) and must be called from the widget's single owner thread, no sooner than
`settle` s after the widgets were created (a change racing the first render of a
BokehJS view can leave it blank; see charts.LiveChart).
"""
from __future__ import annotations

import math
import time
from typing import Any

from ..sweep.best import running_best
from .sweep_view import STATE_COLORS, TrialRow, number

MAX_CATEGORIES = 30


def axis_values(values: list[Any]) -> tuple[list[float], list[tuple[float, str]]]:
    """Values placed on one parallel axis in [0, 1], and tick labels as (position, text)."""
    nums = [number(v) for v in values]
    if values and all(n is not None for n in nums):
        lo, hi = min(nums), max(nums)  # type: ignore[type-var]
        span = (hi - lo) or 1.0
        ticks = [(0.0, f"{lo:.4g}"), (1.0, f"{hi:.4g}")] if hi > lo else [(0.5, f"{lo:.4g}")]
        return [((n - lo) / span if hi > lo else 0.5) for n in nums], ticks  # type: ignore[operator]
    cats = sorted({_text(v) for v in values})
    pos = {c: (i / (len(cats) - 1) if len(cats) > 1 else 0.5) for i, c in enumerate(cats)}
    return [pos[_text(v)] for v in values], [(pos[c], c) for c in cats[:MAX_CATEGORIES]]


def _text(v: Any) -> str:
    return "—" if v is None else str(v)[:40]


class SweepCharts:
    """Parallel coordinates and metric-vs-trial for one sweep."""

    settle = 1.5

    def __init__(self, params: list[str], metric: str | None, goal: str = "minimize"):
        from bokeh.models import ColumnDataSource, FixedTicker, HoverTool, LinearColorMapper
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure
        self.params, self.metric, self.goal = list(params), metric, goal
        self.axes = self.params + ([metric] if metric else [])
        n_axes = max(1, len(self.axes))
        self.mapper = LinearColorMapper(palette=Viridis256 if goal == "maximize" else Viridis256[::-1],
                                        low=0, high=1, nan_color="#bbbbbb")
        self.lines = ColumnDataSource({"xs": [], "ys": [], "score": [], "trial": []})
        self.ticks = ColumnDataSource({"x": [], "y": [], "text": []})
        par = figure(title=f"parameters → {metric or 'metric'}", height=280, width=max(420, 120 * n_axes),
                     tools="pan,wheel_zoom,reset,save", toolbar_location="above", y_range=(-0.1, 1.12),
                     x_range=(-0.3, n_axes - 0.6), output_backend="canvas")
        par.multi_line("xs", "ys", source=self.lines, line_color={"field": "score", "transform": self.mapper},
                       line_width=2, line_alpha=0.85, hover_line_width=4)
        par.add_tools(HoverTool(tooltips=[("trial", "@trial"), (metric or "metric", "@score{0.[0000]}")]))
        for a in range(len(self.axes)):
            par.line([a, a], [0, 1], line_color="#555555", line_width=1)
        par.text("x", "y", "text", source=self.ticks, text_font_size="8pt", text_baseline="middle")
        par.xaxis.ticker = FixedTicker(ticks=list(range(len(self.axes))))
        par.xaxis.major_label_overrides = {i: a for i, a in enumerate(self.axes)}
        par.yaxis.visible = False
        par.ygrid.visible = False
        self.parallel = par

        self.points = ColumnDataSource({"n": [], "value": [], "color": [], "state": [], "run": []})
        self.best = ColumnDataSource({"n": [], "value": []})
        mvt = figure(title=f"{metric or 'metric'} by trial", height=280, width=420,
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
        self._widgets: list[Any] = []
        self._born: float | None = None
        self.flushes = 0

    def widgets(self) -> list[Any]:
        if not self._widgets:
            from jupyter_bokeh import BokehModel
            self._widgets = [BokehModel(self.parallel), BokehModel(self.by_trial)]
            for wdg in self._widgets:
                wdg.add_class("py-tracker-chart")
            self._born = time.monotonic()
        return self._widgets

    def update(self, rows: list[TrialRow]) -> None:
        """Recompute every chart's data from the trials (cheap: a few hundred rows at most)."""
        ended = [r for r in rows if r.state != "running"]
        columns = [[r.flat.get(p) for r in ended] for p in self.params]
        scores = [r.metric if r.metric is not None else float("nan") for r in ended]
        if self.metric:
            columns.append([r.metric for r in ended])
        placed, tx, ty, tt = [], [], [], []
        for a, col in enumerate(columns):
            keep = [v for v in col if v is not None] if a == len(self.params) else col
            vals, ticks = axis_values(keep)
            if a == len(self.params):  # the metric axis: trials without a value sit below it
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
        self._pending = {
            "lines": lines, "ticks": {"x": tx, "y": ty, "text": tt},
            "points": {"n": [r.number for r in pts], "value": [r.metric for r in pts],
                       "color": [STATE_COLORS.get(r.label, "#666") for r in pts],
                       "state": [r.label for r in pts], "run": [r.name or r.run_id for r in pts]},
            "best": {"n": best_n, "value": best_v},
            "range": {"low": min(finite) if finite else 0.0,
                      "high": (max(finite) if finite and max(finite) > min(finite) else (min(finite) + 1 if finite else 1.0))},
        }

    def flush(self, force: bool = False) -> bool:
        """Send the data of the last update() (owner thread only)."""
        if self._pending is None:
            return False
        if not force and self._born is not None and time.monotonic() - self._born < self.settle:
            return False
        p, self._pending = self._pending, None
        self.mapper.update(**p["range"])
        self.lines.data = p["lines"]
        self.ticks.data = p["ticks"]
        self.points.data = p["points"]
        self.best.data = p["best"]
        self.flushes += 1
        return True

    def resync(self) -> None:
        """Re-send whole figures so every view (also one created late) shows the final data."""
        for wdg, fig in zip(self._widgets, (self.parallel, self.by_trial)):
            wdg.update_from_model(fig)
