"""Bokeh figures of a report: overlaid metric lines, group bands, parallel coordinates.

Figures are plain Bokeh models; `page` embeds them with BokehJS inlined, so the
file opens offline. Run names go only into model fields Bokeh draws as text
(renderer names shown by the hover tool, canvas labels), never into HTML.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..sweeps.axes import axis_values

CATEGORY20 = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
              "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5")


def palette(n: int) -> list[str]:
    """n distinct colours: Category20, then evenly spread Turbo colours."""
    if n <= len(CATEGORY20):
        return list(CATEGORY20[:n])
    from bokeh.palettes import Turbo256
    return [Turbo256[int(i * 255 / max(1, n - 1))] for i in range(n)]


def _figure(title: str, x_label: str) -> Any:
    from bokeh.plotting import figure
    fig = figure(title=title, height=280, sizing_mode="stretch_width", output_backend="canvas",
                 tools="pan,wheel_zoom,box_zoom,reset,save", toolbar_location="above")
    fig.xaxis.axis_label = x_label
    fig.title.text_font_size = "13px"
    return fig


def metric_figure(key: str, lines: Sequence[tuple[str, str, np.ndarray, np.ndarray]],
                  bands: Sequence[tuple[str, str, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = (),
                  x_label: str = "step") -> Any:
    """One chart: a line per run (label, colour, x, y) and a mean line + min–max band per group.

    All lines of a chart share one `multi_line` renderer and all bands one `patches`
    renderer: a browser builds two glyph views per chart instead of one per run,
    which is what keeps a 20-run report quick to open.
    """
    from bokeh.models import ColumnDataSource, HoverTool
    fig = _figure(key, x_label)
    if bands:
        fig.patches("xs", "ys", source=ColumnDataSource({
            "xs": [np.concatenate([x, x[::-1]]) for _, _, x, _, _, _ in bands],
            "ys": [np.concatenate([hi, lo[::-1]]) for _, _, _, _, lo, hi in bands],
            "color": [c for _, c, *_ in bands]}), fill_color="color", fill_alpha=0.18, line_alpha=0)
    multi = [(label, color, x, y, 1.5) for label, color, x, y in lines if len(x) > 1]
    multi += [(f"{label} (mean)", color, x, mean, 2.5) for label, color, x, mean, _, _ in bands]
    renderers = []
    if multi:
        src = ColumnDataSource({"xs": [m[2] for m in multi], "ys": [m[3] for m in multi],
                                "run": [m[0] for m in multi], "color": [m[1] for m in multi],
                                "width": [m[4] for m in multi]})
        renderers.append(fig.multi_line("xs", "ys", source=src, line_color="color", line_width="width",
                                        hover_line_width=3))
    points = [(label, color, x, y) for label, color, x, y in lines if len(x) == 1]
    if points:
        src = ColumnDataSource({"x": [float(p[2][0]) for p in points], "y": [float(p[3][0]) for p in points],
                                "run": [p[0] for p in points], "color": [p[1] for p in points]})
        renderers.append(fig.scatter("x", "y", source=src, color="color", size=7))
    if renderers:
        fig.add_tools(HoverTool(renderers=renderers, tooltips=[
            ("run", "@run"), (x_label, "$snap_x{0,0.[00]}"), ("value", "$snap_y{0.[0000]}")]))
    return fig


def parallel_figure(labels: list[str], params: dict[str, list[Any]], metric: str | None,
                    metric_values: list[float] | None, goal: str = "minimize") -> Any:
    """Parallel coordinates: one polyline per run across the swept parameters (and the metric)."""
    from bokeh.models import ColorBar, ColumnDataSource, FixedTicker, HoverTool, LinearColorMapper
    from bokeh.palettes import Viridis256
    from bokeh.plotting import figure
    axes = list(params)
    columns = [params[a] for a in axes]
    if metric is not None and metric_values is not None:
        axes.append(metric)
        columns.append(metric_values)
    if not axes:
        return None
    norm, ticks = [], []
    for col in columns:
        vals, tick = axis_values(col)
        norm.append(vals)
        ticks.append(tick)
    xs = [list(range(len(axes))) for _ in labels]
    ys = [[norm[a][i] for a in range(len(axes))] for i in range(len(labels))]
    score = [float(v) if isinstance(v, (int, float)) and math.isfinite(float(v)) else float("nan")
             for v in (metric_values or [0.0] * len(labels))]
    finite = [s for s in score if not math.isnan(s)] or [0.0]
    pal = Viridis256 if goal.startswith("max") else Viridis256[::-1]
    mapper = LinearColorMapper(palette=pal, low=min(finite), high=max(finite) if max(finite) > min(finite)
                               else min(finite) + 1, nan_color="#bbbbbb")
    src = ColumnDataSource({"xs": xs, "ys": ys, "run": labels, "score": score})
    fig = figure(title="Parallel coordinates" + (f" (colour: {metric})" if metric else ""), height=340,
                 sizing_mode="stretch_width", tools="pan,wheel_zoom,reset,save", toolbar_location="above",
                 y_range=(-0.08, 1.12), x_range=(-0.3, len(axes) - 0.7), output_backend="canvas")
    fig.multi_line("xs", "ys", source=src, line_color={"field": "score", "transform": mapper},
                   line_width=2, line_alpha=0.85, hover_line_width=4, hover_line_alpha=1.0)
    fig.add_tools(HoverTool(tooltips=[("run", "@run"), (metric or "value", "@score{0.[0000]}")]))
    for a in range(len(axes)):
        fig.line([a, a], [0, 1], line_color="#555555", line_width=1, name="ink")  # "ink": the page recolours it
    tx, ty, tt = [], [], []
    for a, tick in enumerate(ticks):
        for yv, t in tick:
            tx.append(a + 0.04)
            ty.append(yv)
            tt.append(t)
    fig.text(tx, ty, tt, text_font_size="10px", text_color="#333333", text_baseline="middle", name="ink")
    fig.xaxis.ticker = FixedTicker(ticks=list(range(len(axes))))
    fig.xaxis.major_label_overrides = {i: a for i, a in enumerate(axes)}
    fig.yaxis.visible = False
    fig.ygrid.visible = False
    if metric:
        fig.add_layout(ColorBar(color_mapper=mapper, width=10, title=metric), "right")
    return fig


def histogram_figure(title: str, cols: dict[str, np.ndarray]) -> Any:
    """A histogram key over steps as a heatmap: one column of rectangles per logged step (x =
    step, y = bin, colour = count normalized per step), from `media.stepped.heatmap_columns`.
    Hover names the step, the bin's range and its count. Columns go to the page as float32 (steps
    int32): half the bytes of float64, exact for steps and counts below 2**24, 7 digits for bins."""
    from bokeh.models import ColumnDataSource, HoverTool, LinearColorMapper
    from bokeh.palettes import Viridis256
    fig = _figure(title, "step")
    fig.yaxis.axis_label = "bin"
    mapper = LinearColorMapper(palette=Viridis256, low=0, high=1)
    src = ColumnDataSource({k: np.asarray(v, dtype=np.int32 if k == "step" else np.float32)
                            for k, v in cols.items()})
    rect = fig.rect("x", "y", "w", "h", source=src, line_color=None,
                    fill_color={"field": "c", "transform": mapper}, name="histogram")
    fig.add_tools(HoverTool(renderers=[rect], tooltips=[
        ("step", "@step"), ("bin", "@lo{0.[0000]} … @hi{0.[0000]}"), ("count", "@count{0,0.[00]}")]))
    return fig
