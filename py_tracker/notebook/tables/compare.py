"""`compare(runs)`: selected runs side by side.

- one chart per metric with every run overlaid (legend; click hides a run), each metric
  against its step metric; runs that share a `group` are drawn as the group's mean with a
  min–max band (`storage.downsample.group_band`), or one line per run (the toggle);
- a config diff table (keys whose values differ are highlighted);
- parallel coordinates: numeric config keys → a chosen summary metric.
Each series is reduced per bucket (min/max) before drawing, so long runs stay light.
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np

from ...core.summary import step_metric_defs, step_metric_for
from ...storage.downsample import bucket_indices, group_band
from ..live.tabs import TABLE_CSS, fmt_value

try:
    from bokeh.palettes import Category10_10 as PALETTE
except ImportError:  # pragma: no cover
    PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
N_POINTS = 800


def _series(api_run: Any) -> dict[str, tuple[np.ndarray, np.ndarray, str]]:
    """{key: (x, y, x key)}: each metric against its step metric (define_metric(step_metric=))
    when the run logged one, else `_step`; rows where the metric is missing dropped."""
    n, cols = api_run.history_columns()
    defs = step_metric_defs(api_run.metrics)
    steps = cols.get("_step")
    base = (steps if steps is not None else np.arange(n)).astype(float)
    out = {}
    for k, v in cols.items():
        if k.startswith("_") or v.dtype.kind not in "fiu":
            continue
        y = v.astype(float)
        sm = step_metric_for(k, defs)
        xcol = cols.get(sm) if sm else None
        if xcol is not None and xcol.dtype.kind in "fiu":
            x, xkey = xcol.astype(float), str(sm)
        else:
            x, xkey = base, "_step"
        ok = ~np.isnan(y) & ~np.isnan(x)
        out[k] = (x[ok], y[ok], xkey)
    return out


def config_diff_html(runs: list[Any]) -> str:
    keys = sorted({k for r in runs for k in (r.config or {})})
    head = "<tr><th>config</th>" + "".join(f"<th>{html.escape(str(r.name))}</th>" for r in runs) + "</tr>"
    rows = []
    for k in keys:
        vals = [(r.config or {}).get(k) for r in runs]
        differs = len({repr(v) for v in vals}) > 1
        cls = " class='pyt-diff'" if differs else ""
        rows.append(f"<tr{cls}><td>{html.escape(k)}</td>" + "".join(f"<td>{fmt_value(v)}</td>" for v in vals) + "</tr>")
    if not rows:
        return "<i>none of these runs has a config</i>"
    return TABLE_CSS + "<table class='pyt-t'>" + head + "".join(rows) + "</table>"


class ComparePanel:
    """The compare view (`.widget`); `.figures` maps metric -> Bokeh figure (for tests)."""

    def __init__(self, runs: list[Any], keys: list[str] | None = None, group: bool = True):
        import ipywidgets as w
        from ..live.bokeh_widget import LiveBokehModel as BokehModel
        if len(runs) < 1:
            raise ValueError("compare() needs at least one run")
        self.runs = runs
        self._data = {r.id: _series(r) for r in runs}
        all_keys = sorted({k for d in self._data.values() for k in d})
        self.keys = [k for k in (keys or all_keys) if k in all_keys]
        self.figures: dict[str, Any] = {}
        self.charts = w.GridBox([], layout=w.Layout(grid_template_columns="repeat(auto-fill, minmax(430px, 1fr))"))
        self._draw(group)
        grouped = [r for r in runs if r.group]
        self.group_toggle = w.Checkbox(value=group, description="group runs by their group (mean and min–max band)",
                                       indent=False, layout=w.Layout(width="auto"))
        self.group_toggle.observe(lambda ch: self._draw(bool(ch["new"])), "value")
        if len({r.group for r in grouped}) == len(grouped):  # no group has two runs: nothing to toggle
            self.group_toggle.layout.display = "none"
        self.parallel = self._parallel()
        parts = [w.HTML(f"<b>Comparing {len(runs)} runs</b>"), self.group_toggle, self.charts,
                 w.HTML("<b>Config</b>" + config_diff_html(runs))]
        if self.parallel is not None:
            parts += [w.HTML("<b>Parallel coordinates</b>"), BokehModel(self.parallel)]
        self.widget = w.VBox(parts)
        self.widget.add_class("py-tracker-compare")

    def _draw(self, group: bool) -> None:
        """(Re)build every metric figure, grouped or one line per run."""
        from ..live.bokeh_widget import LiveBokehModel as BokehModel
        self.grouped = group
        self.figures = {key: self._figure(key, self._data, group) for key in self.keys}
        self.charts.children = tuple(BokehModel(f) for f in self.figures.values())

    def _figure(self, key: str, data: dict, group: bool) -> Any:
        from bokeh.models import Legend
        from bokeh.plotting import figure
        fig = figure(height=260, width=420, title=key, tools="pan,box_zoom,xwheel_zoom,reset,save",
                     toolbar_location="above")
        xkeys = {data[r.id][key][2] for r in self.runs if key in data[r.id]}
        fig.xaxis.axis_label = xkeys.pop() if len(xkeys) == 1 and "_step" not in xkeys else "Step"
        items = []
        groups: dict[Any, list[Any]] = {}
        for r in self.runs:
            key_g = r.group if (group and r.group) else f"__run__{r.id}"
            groups.setdefault(key_g, []).append(r)
        for i, (g, members) in enumerate(groups.items()):
            color = PALETTE[i % len(PALETTE)]
            series = [data[r.id][key][:2] for r in members if key in data[r.id] and len(data[r.id][key][0])]
            if not series:
                continue
            if len(members) > 1:
                x, mean, lo, hi = group_band(series, N_POINTS)
                band = fig.varea(x=x, y1=lo, y2=hi, fill_color=color, fill_alpha=0.2)
                line = fig.line(x, mean, color=color, line_width=2)
                items.append((f"{g} (mean of {len(series)})", [line, band]))
            else:
                x, y = series[0]
                keep = bucket_indices(y, N_POINTS)
                line = fig.line(x[keep], y[keep], color=color, line_width=1.5)
                items.append((f"{members[0].name} ({members[0].id})", [line]))
        legend = Legend(items=items, click_policy="hide", label_text_font_size="8pt")
        fig.add_layout(legend, "below")
        return fig

    def _parallel(self, metric: str | None = None) -> Any:
        """Parallel coordinates of numeric config keys → a summary metric (None if < 2 axes)."""
        from bokeh.models import ColumnDataSource, FixedTicker
        from bokeh.plotting import figure
        cfg_keys = sorted({k for r in self.runs for k, v in (r.config or {}).items()
                           if isinstance(v, (int, float)) and not isinstance(v, bool)})
        if metric is None:
            nums = sorted({k for r in self.runs for k, v in (r.summary or {}).items()
                           if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("_")})
            metric = next((m for m in nums if "loss" in m), nums[0] if nums else None)
        if metric is None or not cfg_keys:
            return None
        axes = cfg_keys + [metric]
        table = np.array([[_num((r.config or {}).get(k)) for k in cfg_keys] + [_num((r.summary or {}).get(metric))]
                          for r in self.runs], dtype=float)
        lo, hi = np.nanmin(table, axis=0), np.nanmax(table, axis=0)
        span = np.where(hi > lo, hi - lo, 1.0)
        norm = (table - lo) / span
        mvals = norm[:, -1]
        colors = [PALETTE[int(min(9, max(0, (0 if np.isnan(v) else v) * 9)))] for v in mvals]
        xs = [list(range(len(axes)))] * len(self.runs)
        ys = [list(np.nan_to_num(row, nan=0.5)) for row in norm]
        src = ColumnDataSource({"xs": xs, "ys": ys, "color": colors,
                                "name": [html.escape(str(r.name)) for r in self.runs]})
        fig = figure(height=280, width=max(420, 110 * len(axes)), title=f"config → {metric}",
                     tools="hover,reset,save", tooltips=[("run", "@name")])
        fig.multi_line("xs", "ys", source=src, line_color="color", line_width=2, line_alpha=0.8)
        fig.xaxis.ticker = FixedTicker(ticks=list(range(len(axes))))
        fig.xaxis.major_label_overrides = {i: a for i, a in enumerate(axes)}
        fig.yaxis.axis_label = "scaled to min…max per axis"
        self.parallel_axes = axes
        return fig

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..display import widget_bundle
        return widget_bundle(self.widget, f"py_tracker compare of {len(self.runs)} runs (open in JupyterLab)",
                             include, exclude)

    def _ipython_display_(self) -> None:
        from ..display import display_with_static
        display_with_static(self.widget, f"py_tracker compare of {len(self.runs)} runs (open in JupyterLab)",
                            self.static_html, "py-tracker-compare", "py-tracker-static-compare")

    def static_html(self) -> str:
        """The compare view without JavaScript: one SVG chart per metric (a line per run,
        reduced per bucket) and the config diff."""
        from ..snapshot import svg_lines
        cards = []
        for key in self.keys:
            lines = [(str(r.name), *self._data[r.id][key][:2], PALETTE[i % len(PALETTE)])
                     for i, r in enumerate(self.runs) if key in self._data[r.id]]
            cards.append(svg_lines(key, lines))
        return (f"<b>Comparing {len(self.runs)} runs</b><div>{''.join(cards)}</div>"
                f"<b>Config</b>{config_diff_html(self.runs)}")


def _num(v: Any) -> float:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else np.nan


def compare(runs: list[Any], keys: list[str] | None = None, group: bool = True) -> ComparePanel:
    """Compare runs (ApiRuns, Runs or "project/id" strings). Display the result."""
    from ...api import Api
    from ..display import ensure_bokeh, in_notebook
    resolved = []
    for r in runs:
        if isinstance(r, str):
            r = Api().run(r)
        elif hasattr(r, "add_row_listener"):
            r = Api(r.root).run(r.id)
        resolved.append(r)
    if in_notebook():
        ensure_bokeh()
    return ComparePanel(resolved, keys=keys, group=group)
