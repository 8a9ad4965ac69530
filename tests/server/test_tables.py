"""GET runs/<id>/tables: every logged `wandb.Table` of a run (newest value of each key, custom
charts left to runs/<id>/charts), its rows read from the run's files, confined to the store;
image cells come back as their image-file dicts, fetchable through runs/<id>/files/<path>."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from tornado.httpclient import HTTPClientError

import py_tracker as pt

from .conftest import QUIET

API = ("py-tracker", "api", "v1")
HOSTILE = "<img src=x onerror=alert(1)>"


def _table_run(root: Path):
    run = pt.init(dir=root, project="tables", name="t", settings=QUIET, reinit="create_new")
    run.log({"preds": pt.Table(columns=["n"], data=[[0]])})  # replaced by the newer value below
    pixels = np.zeros((4, 6, 3), dtype=np.uint8)
    pixels[:, :, 0] = 255
    run.log({"preds": pt.Table(columns=["image", "score", "label"],
                               data=[[pt.Image(pixels, caption="red"), 0.5, HOSTILE], [None, 2, "b"]])})
    run.log({"sq": pt.plot.line(pt.Table(columns=["x", "y"], data=[[0, 0.0], [1, 1.0]]), "x", "y")})
    run.log({"other": pt.Table(columns=["a"], data=[["x"]]), "loss": 0.5})
    run.finish()
    return run


async def test_tables_lists_newest_value_of_each_table_key_not_charts(get_json, jp_fetch, store_root):
    run = _table_run(store_root)
    tables = (await get_json("runs", run.id, "tables"))["tables"]
    assert [t["key"] for t in tables] == ["other", "preds"]  # no chart table, no scalar
    other, preds = tables
    assert other == {"key": "other", "columns": ["a"], "data": [["x"]], "rows": 1, "truncated": False,
                     "error": None}
    assert preds["columns"] == ["image", "score", "label"] and preds["rows"] == 2 and preds["error"] is None
    (image, score, label), second = preds["data"]
    assert (score, label, second) == (0.5, HOSTILE, [None, 2, "b"])
    assert image["_type"] == "image-file" and image["caption"] == "red"
    # the image cell's path is what the files endpoint serves (confined, authenticated)
    png = await jp_fetch(*API, "runs", run.id, "files", *image["path"].split("/"))
    assert png.headers["Content-Type"] == "image/png" and png.body[:8] == b"\x89PNG\r\n\x1a\n"


async def test_tables_of_a_run_without_tables_and_of_an_unknown_run(get_json, jp_fetch, make_run, store_root):
    run = make_run(store_root, "plain", "r")
    assert await get_json("runs", run.id, "tables") == {"tables": []}
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "runs", "nosuchid", "tables")
    assert err.value.code == 404


async def test_table_leading_out_of_the_store_is_listed_with_the_refusal(get_json, store_root, tmp_path):
    run = _table_run(store_root)
    outside = tmp_path / "outside.table.json"
    outside.write_text(json.dumps({"columns": ["secret"], "data": [["s3cr3t"]]}))
    tables = Path(run.dir, "media", "table")
    preds = next(p for p in tables.glob("preds_*") if "image" in p.read_text())
    preds.unlink()
    os.symlink(outside, preds)  # the newest "preds" table now points out of the store
    next(tables.glob("other_*")).write_text("{not json")
    got = {t["key"]: t for t in (await get_json("runs", run.id, "tables"))["tables"]}
    assert got["preds"]["data"] == [] and "refused" in got["preds"]["error"] and "s3cr3t" not in json.dumps(got)
    assert got["other"]["data"] == [] and "could not read" in got["other"]["error"]


async def test_summary_table_path_with_dotdot_is_refused(get_json, store_root, tmp_path):
    run = pt.init(dir=store_root, project="tables", name="dots", settings=QUIET, reinit="create_new")
    run.summary["evil"] = {"_type": "table-file", "path": "../../../../outside.table.json"}
    run.finish()
    (tmp_path / "outside.table.json").write_text(json.dumps({"columns": ["s"], "data": [["s3cr3t"]]}))
    (evil,) = (await get_json("runs", run.id, "tables"))["tables"]
    assert evil["data"] == [] and "refused" in evil["error"]


async def test_table_longer_than_max_rows_comes_back_cut_and_says_so(get_json, store_root):
    from py_tracker.server.tables import MAX_ROWS
    run = pt.init(dir=store_root, project="tables", name="long", settings=QUIET, reinit="create_new")
    rows = [[i] for i in range(MAX_ROWS + 5)]
    run.log({"long": pt.Table(columns=["i"], data=rows)})
    run.finish()
    (table,) = (await get_json("runs", run.id, "tables"))["tables"]
    assert table["truncated"] is True and table["data"] == rows[:MAX_ROWS] and table["rows"] == MAX_ROWS + 5
