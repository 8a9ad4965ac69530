"""Contract: every view names the same best run of a sweep.

One fixture — a real sweep (sweep() + agent()) whose trials declare
`define_metric("loss", summary="min")`, so the summary holds {"min": ...} and the last
logged value is NOT the best one — read by the Api (`SweepHandle.best_run`), the
sidebar's server (`sweep_docs` best), the report (`report.data.best_run`) and the sweep
widget's trial table (`TrialRow.end` + `best_row`). They once disagreed (the Api found
the run, the sidebar and report said None).
"""
from __future__ import annotations

import pytest

import py_tracker as pt
from py_tracker.notebook.sweep.view import TrialRow, best_row
from py_tracker.reporting import data as report_data
from py_tracker.server.store import StoreReader
from py_tracker.server.sweeps import sweep_docs

# per trial x: the logged losses; the min of trial x=2 is the lowest, its last is not.
LOSSES = {1: [0.9, 0.5, 0.6], 2: [0.8, 0.1, 0.7], 3: [0.4, 0.3, 0.35]}


@pytest.fixture
def sweep_with_min_summary(store):
    cfg = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
           "parameters": {"x": {"values": sorted(LOSSES)}}}
    sid = pt.sweep(cfg, project="best")

    def train():
        run = pt.init(settings={"monitor_interval": None, "capture_output": False, "save_code": False})
        pt.define_metric("loss", summary="min")
        for v in LOSSES[run.config["x"]]:
            pt.log({"loss": v})
        pt.finish()

    pt.agent(sid, function=train, count=len(LOSSES))
    runs = pt.Api(store).runs("best")
    expected = next(r.id for r in runs if r.config["x"] == 2)
    return store, sid, expected


def test_every_view_names_the_same_best_run(sweep_with_min_summary):
    root, sid, expected = sweep_with_min_summary
    api_best = pt.Api(root).sweep(f"best/{sid}").best_run()
    assert api_best is not None and api_best.id == expected

    (doc,) = sweep_docs(StoreReader(root), sweep_id=sid)
    assert doc["best"] == {"run_id": expected, "value": pytest.approx(0.1)}

    target = report_data.resolve(pt.Api(root).sweep(f"best/{sid}"), root=root)
    report_best, name, goal = report_data.best_run(target)
    assert report_best is not None and report_best.id == expected and (name, goal) == ("loss", "minimize")

    rows = []
    for i, rec in enumerate(sorted(pt.Api(root).catalog.all("runs"), key=lambda r: r["config"]["x"])):
        row = TrialRow(i + 1, rec["id"], rec["config"], started=0.0)
        row.end(rec, "finished", None, "loss", "minimize")
        rows.append(row)
    widget_best = best_row(rows, "minimize")
    assert widget_best is not None and widget_best.run_id == expected and widget_best.metric == pytest.approx(0.1)
