"""`LiveChart`: one metric as a Bokeh figure that grows live without flooding the browser.

Points arrive with `append()` (any number, any time, on the panel's updater
thread); `flush()` sends at most one `ColumnDataSource.stream()` for the main
line plus a small replace of the "tail" (the incomplete last bucket). Long series
are reduced per bucket (min, max, last: no spike is lost) and refined when the
user zooms (`zoom(start, end)` redraws that window from the full data).
All Bokeh work of a chart must happen on one thread (its panel's updater).
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...core.summary import step_metric_for  # noqa: F401  (re-exported: board, snapshot)
from .reduce import BucketReducer, Column, ema, window_indices

X_STEP, X_RUNTIME, X_WALL, X_DEFAULT = "_step", "_runtime", "_timestamp", "_default"
BASE_X = (X_STEP, X_RUNTIME, X_WALL)
STORED_X = (X_STEP, X_RUNTIME)  # wall time = _runtime + wall_offset (both come from one clock read)
X_LABELS = {X_DEFAULT: "Step (or its step metric)", X_STEP: "Step", X_RUNTIME: "Relative time (s)",
            X_WALL: "Wall time"}
RAW, SMOOTH = "#1f77b4", "#1f77b4"


@dataclass
class ChartOptions:
    """Shared by every chart of a panel: EMA smoothing in [0, 1), x-axis key, log y scale."""

    smoothing: float = 0.0
    x_axis: str = X_DEFAULT
    log_y: bool = False


class LiveChart:
    """One metric's chart. `widget` is the `jupyter_bokeh.BokehModel` to put in a layout."""

    def __init__(self, key: str, *, options: ChartOptions | None = None, step_metric: str | None = None,
                 target: int = 600, width: int = 400, height: int = 240, color: str = RAW):
        from bokeh.models import ColumnDataSource, HoverTool
        from bokeh.plotting import figure
        self.key = key
        self.options = options or ChartOptions()
        self.step_metric = step_metric
        self.target = target
        self.y = Column()
        self.s = Column()
        self.xs: dict[str, Column] = {k: Column() for k in STORED_X}
        self.wall_offset: float | None = None  # _timestamp - _runtime of this run
        self.reducer = BucketReducer(target)
        self._ema_state: float | None = None
        self._smoothing = self.options.smoothing
        self._x_axis = self._resolve_x()
        self._log = False
        self._full = False
        self._zoomed = False
        self._dirty = False
        self._tail_shown = 0
        self.stream_calls = 0
        self.flushes = 0
        self.source = ColumnDataSource({"x": [], "y": [], "s": []})
        self.tail = ColumnDataSource({"x": [], "y": [], "s": []})
        fig = figure(height=height, width=width, title=key, tools="pan,box_zoom,xwheel_zoom,reset,save",
                     active_drag="box_zoom", toolbar_location="above", output_backend="canvas")
        fig.title.text_font_size = "11pt"
        fig.xaxis.axis_label = X_LABELS.get(self._x_axis, self._x_axis)
        self.raw_lines = [fig.line("x", "y", source=src, color=color, line_width=1.5) for src in (self.source, self.tail)]
        self.smooth_lines = [fig.line("x", "s", source=src, color=color, line_width=2, visible=False)
                             for src in (self.source, self.tail)]
        # a line needs two points: a lone point (one eval, one epoch so far) is drawn as a dot
        self.dot = fig.scatter("x", "y", source=self.source, size=7, color=color, visible=False)
        fig.add_tools(HoverTool(renderers=[self.raw_lines[0]], tooltips=[("x", "@x"), (html.escape(key), "@y")],
                                mode="vline"))
        self.figure = fig
        self._widget: Any = None
        self._born: float | None = None
        self._apply_styles()

    # --- data ------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.y)

    def append(self, y: np.ndarray, xs: dict[str, np.ndarray]) -> None:
        """Add points (already restricted to rows where this metric was logged)."""
        y = np.asarray(y, dtype=float)
        if not len(y):
            return
        n0 = self.n
        ts = xs.get(X_WALL)
        if self.wall_offset is None and ts is not None and X_RUNTIME in xs and len(ts):
            self.wall_offset = float(ts[0]) - float(xs[X_RUNTIME][0])
        for k, v in xs.items():
            if k == X_WALL:
                continue
            col = self.xs.get(k)
            if col is None:  # an x column seen for the first time: earlier points have none
                col = self.xs[k] = Column()
                col.extend(np.full(n0, np.nan))
            col.extend(v)
        for k, col in self.xs.items():
            if k not in xs:
                col.extend(np.full(len(y), np.nan))
        self.y.extend(y)
        if self._smoothing > 0:  # no smoothed copy is kept while smoothing is off
            s, self._ema_state = ema(y, self._smoothing, self._ema_state)
            self.s.extend(s)
        self._dirty = True

    def _resolve_x(self) -> str:
        x = self.options.x_axis
        if x == X_DEFAULT:
            return self.step_metric or X_STEP
        return x

    def x_view(self) -> np.ndarray | None:
        """The x values of every point for the current x axis (wall time in ms)."""
        if self._x_axis == X_WALL:
            rt = self.xs[X_RUNTIME].view
            return (rt + (self.wall_offset or 0.0)) * 1000.0  # Bokeh datetimes are ms
        col = self.xs.get(self._x_axis)
        return None if col is None else col.view

    def _xvals(self, idx: np.ndarray) -> np.ndarray:
        if self._x_axis == X_WALL:
            return (self.xs[X_RUNTIME].view[idx] + (self.wall_offset or 0.0)) * 1000.0
        col = self.xs.get(self._x_axis)
        if col is None:
            return np.full(len(idx), np.nan)
        return col.view[idx]

    def _cols(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        y = self.y.view[idx]
        s = self.s.view[idx] if self._smoothing > 0 else y
        return {"x": self._xvals(idx), "y": y, "s": s}

    # --- flushing (updater thread) ------------------------------------------------------
    # jupyter_bokeh applies patches in the *view*, which assembles each from several comm
    # messages: a patch sent before the view exists is lost, and one that starts while the
    # view is being created leaves it out of step for good (a blank chart). So a new widget
    # is created with its data already in the figure, and streaming starts `settle` s later.
    settle = 1.5
    # A reloaded page takes the widget's state (the figure as it is then: LiveBokehModel) and
    # creates its view some seconds later (more on a loaded machine); patches sent in between
    # are lost. So after a state request the whole data goes out again at these delays (s):
    # each re-send heals whichever view exists by then.
    resync_after = (1.5, 3.0, 6.0, 12.0)
    # and so a state request may be answered with a snapshot up to this old (s): ipywidgets asks
    # every widget twice per request, and serializing 15 live charts twice took over a second
    reuse_state_for = 2.0
    _resync: tuple[float, int] = (0.0, 0)  # (state time, re-sends done for it)

    def flush(self, force: bool = False) -> bool:
        """Send what changed since the last flush: one stream() and/or one tail replace."""
        asked = getattr(self._widget, "state_sent_at", None)
        if asked is not None:
            at, done = self._resync if self._resync[0] == asked else (asked, 0)
            if done < len(self.resync_after) and time.monotonic() - asked >= self.resync_after[done]:
                done += 1
                self._full = True
            self._resync = (at, done)
        if not (self._dirty or self._full):
            return False
        if not force and self._born is not None and time.monotonic() - self._born < self.settle:
            return False
        self._dirty = False
        self.flushes += 1
        y = self.y.view
        rebuilt, idx = self.reducer.update(y)
        if self._zoomed:
            return True  # the user looks at a window; new points show after reset
        if rebuilt or self._full:
            self._full = False
            self.source.data = self._cols(self.reducer.indices())
        elif len(idx):
            self.source.stream(self._cols(idx))
            self.stream_calls += 1
        lone = self.n == 1
        if self.dot.visible != lone:
            self.dot.visible = lone
        t = self.reducer.tail(y)
        if len(t) or self._tail_shown:
            if len(t) and self.reducer.done:
                t = np.concatenate([[self.reducer.done - 1], t])  # join the tail to the line
            self.tail.data = self._cols(t)
            self._tail_shown = len(t)
        return True

    def redraw(self) -> None:
        """Re-send everything (after an option change or a zoom reset)."""
        self._zoomed = False
        self._full = True
        self.flush(force=True)  # a user action: the view exists

    def zoom(self, start: float | None, end: float | None) -> None:
        """Refine: draw the window [start, end] (x units as shown) from the full data."""
        if start is None or end is None or not self.n:
            return
        x = self.x_view()
        if x is None:
            return
        inside = int(((x >= start) & (x <= end)).sum())
        if inside == 0:
            return
        idx = window_indices(x, self.y.view, start, end, 2 * self.target)
        self._zoomed = True
        self.source.data = self._cols(idx)
        self.tail.data = {"x": [], "y": [], "s": []}
        self._tail_shown = 0

    # --- options ---------------------------------------------------------------------------
    def apply_options(self) -> None:
        """Take over changed `options` (smoothing, x axis, log scale) and redraw."""
        o = self.options
        if o.smoothing != self._smoothing:
            self._smoothing = o.smoothing
            self.s.truncate(0)
            self._ema_state = None
            if o.smoothing > 0:
                s, self._ema_state = ema(self.y.view, o.smoothing)
                self.s.extend(s)
        self._x_axis = self._resolve_x()
        self._apply_styles()
        self.redraw()

    def _apply_styles(self) -> None:
        from bokeh.models import (BasicTicker, BasicTickFormatter, DatetimeTicker, DatetimeTickFormatter,
                                  LinearScale, LogScale, LogTicker, LogTickFormatter)
        o, fig = self.options, self.figure
        smooth = o.smoothing > 0
        for line in self.raw_lines:
            line.glyph.line_alpha = 0.25 if smooth else 1.0
        for line in self.smooth_lines:
            line.visible = smooth
        if o.log_y != self._log:
            self._log = o.log_y
            ticker = LogTicker() if o.log_y else BasicTicker()
            fig.y_scale = LogScale() if o.log_y else LinearScale()
            fig.yaxis[0].ticker = ticker
            fig.yaxis[0].formatter = LogTickFormatter() if o.log_y else BasicTickFormatter()
            fig.ygrid[0].ticker = ticker
        wall = self._x_axis == X_WALL
        if wall != isinstance(fig.xaxis[0].formatter, DatetimeTickFormatter):
            ticker = DatetimeTicker() if wall else BasicTicker()
            fig.xaxis[0].ticker = ticker
            fig.xaxis[0].formatter = DatetimeTickFormatter() if wall else BasicTickFormatter()
            fig.xgrid[0].ticker = ticker
        fig.xaxis.axis_label = X_LABELS.get(self._x_axis, self._x_axis)

    # --- widget ------------------------------------------------------------------------------
    @property
    def widget(self) -> Any:
        if self._widget is None:
            from bokeh.events import RangesUpdate, Reset
            from .bokeh_widget import LiveBokehModel as BokehModel
            # subscribe before the widget serializes the document: a later change would be a
            # patch racing the view's first render
            self.figure.on_event(RangesUpdate, self._on_ranges)
            self.figure.on_event(Reset, self._on_reset)
            self._widget = BokehModel(self.figure)
            self._widget.reuse_for = self.reuse_state_for  # flush() re-sends after a state request
            self._widget.add_class("py-tracker-chart")
            self._born = time.monotonic()
        return self._widget

    # zoom callbacks arrive on the kernel's shell thread: hand them to the owner thread
    on_command: Any = None

    def _on_ranges(self, event: Any) -> None:
        self._run(lambda: self.zoom(event.x0, event.x1))

    def _on_reset(self, event: Any) -> None:
        self._run(self.redraw)

    def _run(self, fn: Any) -> None:
        if self.on_command is not None:
            self.on_command(fn)
        else:
            fn()


def section_of(key: str) -> str:
    """Charts are grouped by key prefix: "train/loss" -> "train"; "loss" -> ""."""
    return key.rsplit("/", 1)[0] if "/" in key else ""
