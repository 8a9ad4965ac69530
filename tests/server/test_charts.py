"""GET runs/<id>/charts: every custom chart (`wandb.plot.*`) a run logged, newest value of each
key, with its spec and table read from the run's files, confined to the store."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

import py_tracker as pt

from .conftest import QUIET

API = ("py-tracker", "api", "v1")


def _chart_run(root: Path):
    run = pt.init(dir=root, project="plots", name="charts", settings=QUIET, reinit="create_new")
    old = pt.Table(columns=["x", "y"], data=[[0, 0.0], [1, 9.0]])
    run.log({"sq": pt.plot.line(old, "x", "y", title="old")})
    t = pt.Table(columns=["x", "y"], data=[[i, float(i * i)] for i in range(5)])
    run.log({"sq": pt.plot.line(t, "x", "y", title="<b>Squares</b>")})
    run.log({"cm": pt.plot.confusion_matrix(y_true=[0, 1, 1, 0, 1], preds=[0, 1, 0, 0, 1],
                                            class_names=["cat", "dog"])})
    bars = pt.Table(columns=["name", "n"], data=[["a", 3], ["b", 5]])
    run.log({"counts": pt.plot.bar(bars, "name", "n"), "loss": 0.5})
    run.finish()
    return run


async def test_charts_lists_newest_value_of_each_chart_key_with_its_table(get_json, store_root):
    run = _chart_run(store_root)
    charts = (await get_json("runs", run.id, "charts"))["charts"]
    assert [c["key"] for c in charts] == ["cm", "counts", "sq"]  # the scalar "loss" is no chart
    cm, counts, sq = charts
    assert sq == {"key": "sq", "table_key": "sq_table", "spec": "wandb/line/v0", "title": "<b>Squares</b>",
                  "fields": {"x": "x", "y": "y", "stroke": None}, "string_fields": {"title": "<b>Squares</b>"},
                  "columns": ["x", "y"], "data": [[i, float(i * i)] for i in range(5)], "truncated": False,
                  "error": None}
    assert cm["spec"] == "wandb/confusion_matrix/v1" and cm["columns"] == ["Actual", "Predicted", "nPredictions"]
    assert {(a, p): n for a, p, n in cm["data"]} == {("cat", "cat"): 2, ("cat", "dog"): 0,
                                                     ("dog", "cat"): 1, ("dog", "dog"): 2}
    assert counts["title"] == "counts" and counts["data"] == [["a", 3], ["b", 5]]  # no title: the key


async def test_charts_of_a_run_without_charts_and_of_an_unknown_run(get_json, jp_fetch, make_run, store_root):
    run = make_run(store_root, "plain", "r")
    assert await get_json("runs", run.id, "charts") == {"charts": []}
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "runs", "nosuchid", "charts")
    assert err.value.code == 404


async def test_chart_whose_table_leads_out_of_the_store_is_listed_with_the_refusal(get_json, store_root, tmp_path):
    run = _chart_run(store_root)
    outside = tmp_path / "outside.table.json"
    outside.write_text(json.dumps({"columns": ["x", "y"], "data": [[1, 1]]}))
    table = next(Path(run.dir, "media", "table").glob("sq_table_*"))
    table.unlink()
    os.symlink(outside, table)  # the newest "sq" table now points out of the store
    cm_table = next(Path(run.dir, "media", "table").glob("cm_table_*"))
    cm_table.write_text("{not json")
    charts = {c["key"]: c for c in (await get_json("runs", run.id, "charts"))["charts"]}
    assert charts["sq"]["data"] == [] and "refused" in charts["sq"]["error"]
    assert charts["cm"]["data"] == [] and "could not read" in charts["cm"]["error"]
    assert charts["counts"]["error"] is None  # the others still come back



async def test_chart_table_longer_than_max_rows_comes_back_cut_and_says_so(get_json, store_root):
    from py_tracker.server.charts import MAX_ROWS
    run = pt.init(dir=store_root, project="plots", name="long", settings=QUIET, reinit="create_new")
    rows = [[i, float(i)] for i in range(MAX_ROWS + 5)]
    run.log({"long": pt.plot_table("wandb/line/v0", pt.Table(columns=["x", "y"], data=rows), {"x": "x", "y": "y"})})
    run.finish()
    (chart,) = (await get_json("runs", run.id, "charts"))["charts"]
    assert chart["truncated"] is True and chart["data"] == rows[:MAX_ROWS]
