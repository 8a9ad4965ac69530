"""Runs table: 1,000 runs open in <= 1 s; header sort, filter by shown names, row checkboxes,
paging, column choice, group aggregates, compare (real ipywidgets, real catalog on disk)."""
from __future__ import annotations

import time

import pytest
from IPython.core.error import UsageError

import py_tracker as pt
from py_tracker.notebook.runs_table import RunsTable, filter_rows, runs_table, sort_rows
from py_tracker.storage.catalog import Catalog

from .conftest import QUIET


def _fake_catalog(root, n):
    """n finished run records written straight into the catalog (as init/finish leave them)."""
    cat = Catalog(root)
    now = time.time()
    with cat.transaction():
        cat.insert_new("projects", {"name": "big", "created_at": now})
        docs = [{"id": f"r{i:07d}", "project": "big", "name": f"run-{i}", "group": f"g{i % 4}",
                 "job_type": "train", "tags": [], "state": "finished", "created_at": now + i,
                 "updated_at": now + i, "heartbeat_at": now + i, "runtime": float(i),
                 "config": {"lr": i / n, "layers": i % 5, "opt": "adam" if i % 2 else "sgd"},
                 "summary": {"loss": 1 - i / n, "acc": {"max": i / n}}, "last_step": 99,
                 "metrics": [], "exit_code": 0} for i in range(n)]
        cat.put_many("runs", docs)  # one locked append for all of them


def test_thousand_runs_open_fast(store):
    _fake_catalog(store, 1000)
    t = time.perf_counter()
    table = RunsTable("big", root=store)
    elapsed = time.perf_counter() - t
    assert elapsed <= 1.0, f"runs table took {elapsed:.2f} s"
    assert len(table.rows) == 1000
    assert {"config.lr", "config.opt", "summary.loss", "summary.acc.max"} <= set(table.columns)
    table.filter.value = "lr > 0.5 and opt == 'adam'"
    assert len(table.rows) == 250 and all(r["config.lr"] > 0.5 for r in table.rows)
    table.filter.value = "run-99"
    assert {r["name"] for r in table.rows} >= {"run-99", "run-990"}
    table.filter.value = ""
    table.sort_by("summary.loss")
    assert table.rows[0]["name"] == "run-999"
    table.group.value = "group"
    assert "group: g0" in table.body.children[0].value


def test_filter_errors_and_sorting():
    rows = [{"name": "a", "config.lr": 0.1}, {"name": "b", "config.lr": None}, {"name": "c", "config.lr": 0.3}]
    assert [r["name"] for r in sort_rows(rows, "config.lr", descending=True)] == ["c", "a", "b"]
    assert [r["name"] for r in filter_rows(rows, "config.lr >= 0.2")] == ["c"]
    with pytest.raises(UsageError, match="not a valid expression"):
        filter_rows(rows, "lr >")


def test_table_escapes_and_compares_selection(store):
    for name, lr in (("<img src=x>", 0.1), ("b", 0.2)):
        run = pt.init(project="t", name=name, config={"lr": lr}, settings=QUIET)
        for i in range(20):
            run.log({"loss": lr * (20 - i)})
        run.finish()
    table = runs_table("t")
    cells = "".join(box.children[1].value for box in table.body.children)
    assert "&lt;img src=x&gt;" in cells and "<img src=x>" not in cells
    assert "&lt;img src=x&gt;" in table.html and "<img src=x>" not in table.html
    for box in table.body.children:
        box.children[0].value = True  # tick each row's checkbox, as a click does
    assert set(table.selected) == {r["id"] for r in table.rows}
    panel = table.compare()
    assert panel is not None and set(panel.figures) == {"loss"}
