"""The report's parallel coordinates and the sweep widget's place values with one function
(`sweep.axes.axis_values`): for the same trials they draw the same lines and the same
ticks, and a tick sits where the lines cross its axis (a constant parameter too)."""
from __future__ import annotations

import pytest

from py_tracker.reporting.charts import parallel_figure
from py_tracker.sweeps.axes import axis_values

pytest.importorskip("bokeh")

CONFIGS = [{"lr": 0.000123456, "opt": "adam", "layers": 4, "drop": None},
           {"lr": 0.0431, "opt": "sgd", "layers": 4, "drop": 0.1},
           {"lr": 0.0077, "opt": "adam", "layers": 4, "drop": 0.2}]
LOSS = [0.9, 0.4, 0.6]
PARAMS = ["lr", "opt", "layers", "drop"]


def report_axes():
    fig = parallel_figure([f"r{i}" for i in range(3)], {p: [c[p] for c in CONFIGS] for p in PARAMS},
                          "loss", LOSS)
    lines = next(r for r in fig.renderers if r.glyph.__class__.__name__ == "MultiLine").data_source.data
    text = next(r for r in fig.renderers if r.glyph.__class__.__name__ == "Text")
    t = text.data_source.data
    ticks = [(round(x), y, s) for x, y, s in zip(t["x"], t["y"], t["text"])]
    return [list(ys) for ys in lines["ys"]], ticks


def widget_axes():
    from py_tracker.notebook.sweep.charts import SweepCharts
    from py_tracker.notebook.sweep.view import TrialRow
    rows = []
    for i, (cfg, loss) in enumerate(zip(CONFIGS, LOSS)):
        row = TrialRow(i + 1, f"r{i}", cfg, started=0.0)
        row.end({"state": "finished", "summary": {"loss": loss}, "runtime": 1.0}, "finished", None, "loss")
        rows.append(row)
    charts = SweepCharts(PARAMS, "loss")
    charts.update(rows)
    p = charts._pending
    t = p["ticks"]
    ticks = [(round(x), y, s) for x, y, s in zip(t["x"], t["y"], t["text"])]
    return p["axes"], [list(ys) for ys in p["lines"]["ys"]], ticks


def test_ticks_sit_where_the_values_are():
    ys, ticks = report_axes()
    for a, p in enumerate(PARAMS + ["loss"]):
        col = [c[p] for c in CONFIGS] if p != "loss" else LOSS
        placed, want_ticks = axis_values(col)
        assert [y[a] for y in ys] == placed, p
        assert [(y, s) for x, y, s in ticks if x == a] == want_ticks, p
    layers = PARAMS.index("layers")  # constant: its lines and its one tick at the middle
    assert [y[layers] for y in ys] == [0.5] * 3
    assert [(y, s) for x, y, s in ticks if x == layers] == [(0.5, "4")]
    lr = PARAMS.index("lr")  # the end ticks sit exactly at the ends of the lines
    lr_ticks = [y for x, y, s in ticks if x == lr]
    assert lr_ticks[0] == 0.0 and lr_ticks[-1] == 1.0 and min(y[lr] for y in ys) == 0.0


def test_report_and_widget_draw_the_same_axes():
    axes, w_ys, w_ticks = widget_axes()
    r_ys, r_ticks = report_axes()
    report_names = PARAMS + ["loss"]
    assert axes == ["lr", "opt", "drop", "loss"]  # the widget leaves the constant `layers` out
    for a, name in enumerate(axes):
        r = report_names.index(name)
        assert [y[a] for y in w_ys] == [y[r] for y in r_ys], name
        assert [(y, s) for x, y, s in w_ticks if x == a] == [(y, s) for x, y, s in r_ticks if x == r], name
