"""Bokeh figures of logged custom charts (`wandb.plot.*`): the run panel and reports draw them.

`chart_figure(chart, df)` takes the stored spec (see `py_tracker.media.chart`) and the chart's
table as a DataFrame and returns a Bokeh figure, or None for a spec py_tracker does not draw
(its table is still stored and listed). Every user string (titles, class names, labels) goes
into Bokeh model fields drawn as canvas text, never into HTML. Bokeh is imported lazily.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf")
MAX_GROUPS = 50  # lines of one chart (stroke / class / lineKey values) drawn at most


def _figure(title: str, x_label: str, y_label: str, width: int | None, height: int, **kw: Any) -> Any:
    from bokeh.plotting import figure
    size: dict[str, Any] = {"width": width} if width else {"sizing_mode": "stretch_width"}
    fig = figure(title=title or None, height=height, tools="pan,wheel_zoom,box_zoom,reset,save,hover",
                 toolbar_location="above", output_backend="canvas", **size, **kw)
    fig.xaxis.axis_label = x_label
    fig.yaxis.axis_label = y_label
    return fig


def _col(df: Any, name: Any) -> Any:
    return df[str(name)] if name is not None and str(name) in df.columns else None


def _numeric(values: Any) -> np.ndarray:
    import pandas as pd
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _lines(fig: Any, df: Any, x: str, y: str, group: str | None, scatter: bool = False) -> None:
    from bokeh.models import ColumnDataSource
    groups = [(None, df)] if group is None or group not in df.columns else \
        list(df.groupby(df[group].astype(str), sort=False))[:MAX_GROUPS]
    for i, (name, part) in enumerate(groups):
        xs, ys = _numeric(part[x]), _numeric(part[y])
        order = np.argsort(xs, kind="stable") if not scatter else slice(None)
        src = ColumnDataSource({"x": xs[order], "y": ys[order], "series": [str(name or y)] * len(xs)})
        color = COLORS[i % len(COLORS)]
        label = {"legend_label": str(name)} if name is not None else {}
        if scatter:
            fig.scatter("x", "y", source=src, color=color, size=6, alpha=0.8, **label)
        else:
            fig.line("x", "y", source=src, color=color, line_width=2, **label)
    if len(groups) > 1:
        fig.legend.click_policy = "hide"
        fig.legend.label_text_font_size = "10px"


def _line(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    fig = _figure(s.get("title", ""), str(f["x"]), str(f["y"]), w, h)
    _lines(fig, df, str(f["x"]), str(f["y"]), f.get("stroke"))
    return fig


def _scatter(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    fig = _figure(s.get("title", ""), str(f["x"]), str(f["y"]), w, h)
    _lines(fig, df, str(f["x"]), str(f["y"]), None, scatter=True)
    return fig


def _bar(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    labels = [str(v) for v in df[str(f["label"])]]
    values = _numeric(df[str(f["value"])])
    cats = list(dict.fromkeys(labels))
    fig = _figure(s.get("title", ""), str(f["value"]), str(f["label"]), w, h, y_range=cats[::-1])
    fig.hbar(y=labels, right=values, height=0.8, color=COLORS[0])
    return fig


def _histogram(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    vals = _numeric(df[str(f["value"])])
    vals = vals[np.isfinite(vals)]
    fig = _figure(s.get("title", ""), str(f["value"]), "count", w, h)
    if len(vals):
        counts, edges = np.histogram(vals, bins=min(50, max(1, int(np.sqrt(len(vals))) + 1)))
        fig.quad(left=edges[:-1], right=edges[1:], bottom=0, top=counts, color=COLORS[0], line_color="white")
    return fig


def _line_series(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    fig = _figure(s.get("title", ""), str(s.get("xname") or "x"), "", w, h)
    _lines(fig, df, str(f["step"]), str(f["lineVal"]), str(f["lineKey"]))
    return fig


def _confusion(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    from bokeh.models import ColumnDataSource, LinearColorMapper
    from bokeh.palettes import Blues256
    f = c["fields"]
    actual = [str(v) for v in df[str(f["Actual"])]]
    pred = [str(v) for v in df[str(f["Predicted"])]]
    counts = _numeric(df[str(f["nPredictions"])])
    cats = list(dict.fromkeys(actual + pred))
    fig = _figure(s.get("title", ""), "Predicted", "Actual", w, h, x_range=cats, y_range=cats[::-1])
    top = float(np.nanmax(counts)) if len(counts) else 1.0
    mapper = LinearColorMapper(palette=Blues256[::-1], low=0, high=top or 1.0)
    src = ColumnDataSource({"a": actual, "p": pred, "n": counts, "t": [f"{v:g}" for v in counts]})
    fig.rect("p", "a", 1, 1, source=src, fill_color={"field": "n", "transform": mapper}, line_color="white")
    fig.text("p", "a", text="t", source=src, text_align="center", text_baseline="middle", text_font_size="11px")
    fig.xaxis.major_label_orientation = 0.8
    return fig


def _area(c: dict, df: Any, s: dict, w: int | None, h: int) -> Any:
    f = c["fields"]
    fig = _figure(s.get("title", ""), s.get("x-axis-title", str(f["x"])), s.get("y-axis-title", str(f["y"])),
                  w, h, x_range=(0, 1), y_range=(0, 1.02))
    _lines(fig, df, str(f["x"]), str(f["y"]), f.get("class"))
    return fig


DRAWERS: dict[str, Callable[[dict, Any, dict, int | None, int], Any]] = {
    "wandb/line/v0": _line, "wandb/scatter/v0": _scatter, "wandb/bar/v0": _bar,
    "wandb/histogram/v0": _histogram, "wandb/lineseries/v0": _line_series,
    "wandb/confusion_matrix/v1": _confusion, "wandb/area-under-curve/v0": _area,
}


def chart_figure(chart: dict, df: Any, width: int | None = None, height: int = 280) -> Any:
    """A Bokeh figure of `chart` (a stored spec dict) over its table `df`; None when its spec is
    not one of W&B's presets or the table lacks a field's column (nothing is guessed)."""
    draw = DRAWERS.get(str(chart.get("spec")))
    fields = chart.get("fields") or {}
    if draw is None or any(v is not None and str(v) not in df.columns for v in fields.values()):
        return None
    strings = {k: str(v) for k, v in (chart.get("string_fields") or {}).items() if v is not None}
    if not strings.get("title"):
        strings["title"] = str(chart.get("key") or "")
    return draw(chart, df, strings, width, height)
