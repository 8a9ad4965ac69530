"""`wandb.plot.*`: what is stored matches real W&B's objects, and the panel and reports draw it."""
from __future__ import annotations

import importlib
import json
import re

import numpy as np
import pytest

import py_tracker as wandb
from py_tracker.errors import UsageError
from py_tracker.notebook.live.custom_charts import CustomChartView
from py_tracker.notebook.live.panel import RunPanel
from py_tracker.reporting import report

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}

Y_TRUE = [0, 1, 2, 1, 0, 2, 1, 0, 2, 2, 1, 0]
PROBAS = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6], [0.3, 0.4, 0.3], [0.5, 0.3, 0.2],
                   [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.6, 0.1, 0.3], [0.3, 0.3, 0.4], [0.2, 0.1, 0.7],
                   [0.4, 0.4, 0.2], [0.8, 0.1, 0.1]])


def _builders(plot, Table):
    t = Table(data=[[i, i * i, "even" if i % 2 == 0 else "odd"] for i in range(10)], columns=["x", "y", "kind"])
    return {
        "line": plot.line(t, "x", "y", stroke="kind", title="squares"),
        "scatter": plot.scatter(t, "x", "y", title="pts"),
        "bar": plot.bar(t, "kind", "y", title="bars"),
        "hist": plot.histogram(t, "y", title="dist"),
        "series": plot.line_series([0, 1, 2], [[1, 2, 3], [3, 2, 1]], keys=["up", "down"], title="s", xname="epoch"),
        "cm": plot.confusion_matrix(y_true=Y_TRUE, preds=list(np.argmax(PROBAS, axis=1)),
                                    class_names=["cat", "dog", "<b>bird</b>"]),
        "pr": plot.pr_curve(Y_TRUE, PROBAS, labels=["cat", "dog", "bird"]),
        "roc": plot.roc_curve(Y_TRUE, PROBAS, labels=["cat", "dog", "bird"]),
    }


def _real_wandb():
    real = importlib.import_module("wandb")
    if not hasattr(real, "sdk"):
        pytest.skip("the `wandb` importable here is not W&B's own SDK")
    return real


def test_charts_store_what_wandb_stores(store):
    real = _real_wandb()
    theirs = _builders(real.plot, real.Table)
    run = wandb.init(project="plots", settings=QUIET)
    ours = _builders(wandb.plot, wandb.Table)
    wandb.log(dict(ours))
    wandb.finish()
    api_run = wandb.Api().run(run.id)
    row = api_run.history(pandas=False)[0]
    for key, chart in theirs.items():
        chart.set_key(key)
        stored = row[chart.spec.table_key]  # W&B's "<key>_table"
        assert stored["chart"] == {"spec": chart.spec.spec_name, "fields": chart.spec.fields,
                                   "string_fields": chart.spec.string_fields, "key": key}
        df = wandb.media.from_json(stored, api_run.dir)
        assert list(df.columns) == list(chart.table.columns), key
        assert df.values.tolist() == [list(r) for r in chart.table.data], key
    assert set(api_run.summary) == {f"{k}_table" for k in theirs}
    assert wandb.Table.MAX_ROWS == real.Table.MAX_ROWS


def test_split_table_and_nested_keys(store):
    run = wandb.init(project="plots", settings=QUIET)
    t = wandb.Table(data=[[1, 2]], columns=["a", "b"])
    wandb.log({"eval": {"curve": wandb.plot.scatter(t, "a", "b")}, "top": wandb.plot.bar(t, "a", "b", split_table=True)})
    wandb.finish()
    row = wandb.Api().run(run.id).history(pandas=False)[0]
    assert row["eval.curve_table"]["chart"]["key"] == "eval.curve"
    assert row["Custom Chart Tables/top_table"]["chart"]["spec"] == "wandb/bar/v0"


def test_bad_field_names_the_column_and_loses_nothing(store):
    run = wandb.init(project="plots", settings=QUIET)
    wandb.log({"loss": 1.0})
    t = wandb.Table(data=[[1, 2]], columns=["a", "b"])
    with pytest.raises(UsageError, match=r"'c'.*\['a', 'b'\]"):
        wandb.plot.line(t, "a", "c")
    with pytest.raises(UsageError, match="4 predictions but 3 true labels"):
        wandb.plot.confusion_matrix(y_true=[0, 1, 1], preds=[0, 1, 1, 0])
    wandb.log({"loss": 0.5})
    wandb.finish()
    assert [r["loss"] for r in wandb.Api().run(run.id).history(pandas=False)] == [1.0, 0.5]


def test_panel_draws_each_chart_with_its_data(store):
    run = wandb.init(project="plots", settings=QUIET)
    wandb.log(_builders(wandb.plot, wandb.Table))
    t2 = wandb.Table(data=[[i, -i] for i in range(4)], columns=["x", "y"])
    wandb.log({"scatter": wandb.plot.scatter(t2, "x", "y")})
    wandb.finish()
    panel = RunPanel(wandb.Api().run(run.id))
    views = {k: c for k, c in panel.charts.charts.items() if isinstance(c, CustomChartView)}
    assert set(views) == {f"{k}_table" for k in ("line", "scatter", "bar", "hist", "series", "cm", "pr", "roc")}
    for v in views.values():
        assert v.figure is not None and v.box.children, v.key
    line = views["line_table"].figure
    glyph_data = [r.data_source.data for r in line.renderers]
    assert sorted(len(d["x"]) for d in glyph_data) == [5, 5]  # one line per stroke value
    assert line.title.text == "squares"
    cm = views["cm_table"].figure
    assert list(cm.x_range.factors) == ["cat", "dog", "<b>bird</b>"]  # canvas text, never HTML
    counts = cm.renderers[0].data_source.data["n"]
    assert sum(counts) == len(Y_TRUE)
    roc = views["roc_table"].figure
    assert roc.xaxis[0].axis_label == "False positive rate" and len(roc.renderers) == 3
    sc = views["scatter_table"]  # logged twice: the newest step is shown, the slider goes back
    assert list(sc.figure.renderers[0].data_source.data["y"]) == [0, -1, -2, -3]
    sc.slider.value = 0
    assert len(sc.figure.renderers[0].data_source.data["y"]) == 10


def test_report_draws_the_charts(store, tmp_path):
    run = wandb.init(project="plots", settings=QUIET)
    wandb.log({"loss": 1.0, **_builders(wandb.plot, wandb.Table)})
    wandb.finish()
    html = report(run.id, root=store, path=tmp_path / "r.html").read_text()
    assert 'id="custom-charts"' in html
    keys = re.findall(r'data-key="([^"]+)"', html)
    assert {"line", "scatter", "bar", "hist", "series", "cm", "pr", "roc"} <= set(keys)
    blocks = re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S)
    assert all("<" not in b for b in blocks)
    assert any("Precision-Recall Curve" in b for b in blocks)
