"""The server's runs list from `RunListing` (kept up to date from the journal's change feed)
gives exactly what a scan of the whole store gives, after any change by any process."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from py_tracker.server.store import StoreReader
from py_tracker.storage.catalog import Catalog, reload_state

SORTS = ("created_at", "updated_at", "name", "group", "id", "summary.loss", "config.lr", "summary.absent")


def _rec(i: int, **kw) -> dict:
    summary = {"loss": 1 / (1 + i % 7)} if i % 5 else ({"loss": "diverged"} if i % 2 else {})
    summary.update({"_step": i, f"m{i % 3}": float(i)})
    rec = {"id": f"s{i:03d}", "project": "p" if i % 3 else "q", "name": f"n{i % 4}", "state": "finished",
           "group": f"g{i % 4}" if i % 6 else None, "tags": [f"t{i % 2}"] if i % 4 else [],
           "config": {"lr": (i % 9) / 10} if i % 8 else {}, "summary": summary,
           "created_at": 1000.0 + i // 2, "updated_at": 2000.0 - i, "runtime": 1.0, "host": "elsewhere"}
    rec.update(kw)
    return rec


def _compare(reader: StoreReader) -> None:
    # the projects list (counts, last activity) from the kept listing = the Api's pass over every run
    assert reader.projects() == {"projects": reader.api.projects()}
    for project in ("p", "q", None, "nope"):
        for sort in SORTS:
            for order in ("asc", "desc"):
                for offset, limit in ((0, 50), (0, 3), (4, 9), (25, 10)):
                    got = reader.runs(project=project, sort=sort, order=order, offset=offset, limit=limit)
                    want = reader._scanned_page(project, None, None, None, None, "", sort, order, offset,
                                                limit, 0.0)
                    for doc in got["runs"] + want["runs"]:
                        doc["runtime"] = None  # a running run's runtime moves with the clock
                    assert got == want, (project, sort, order, offset, limit)


@pytest.fixture
def catalog(tmp_path):
    cat = Catalog(tmp_path)
    cat.put_many("projects", [{"name": "p", "created_at": 5.0}, {"name": "q", "created_at": 1.0},
                              {"name": "empty", "created_at": 3.0}])
    cat.put_many("runs", [_rec(i) for i in range(40)])
    cat.put("runs", _rec(40, state="running", host=socket.gethostname(), pid=os.getpid()))  # alive
    cat.put("runs", _rec(41, state="running", heartbeat_at=0.0))                             # crashed
    return cat


def test_the_kept_list_equals_a_scan_then_and_after_every_kind_of_change(catalog, tmp_path):
    reader = StoreReader(tmp_path)
    _compare(reader)
    page = reader.runs(project="p", sort="summary.loss", order="asc", limit=5)
    assert page["facets"]["states"] == {"finished": 26, "running": 1, "crashed": 1}
    catalog.patch("runs", "s004", {"summary": {"loss": -1.0}, "group": "new"})  # moves to the top
    catalog.patch("runs", "s007", {"name": "zz", "tags": ["fresh"]})
    catalog.delete("runs", "s010")
    catalog.put("runs", _rec(50, project="p"))
    catalog.patch("runs", "s020", {"project": "q"})                               # changes project
    catalog.put("runs", _rec(51, project=None))                                   # in no project
    _compare(reader)
    catalog.patch("runs", "s030", {"updated_at": 9000.0})                         # p's newest activity
    _compare(reader)
    catalog.delete("runs", "s030")                                                # ... gone again
    catalog.delete("runs", "s001")                                                # was the newest before
    _compare(reader)
    catalog.patch("runs", "s033", {"updated_at": 9500.0})                         # q's newest ...
    _compare(reader)
    catalog.patch("runs", "s033", {"project": "p"})                               # ... moves to p
    _compare(reader)
    first = reader.runs(project="p", sort="summary.loss", order="asc", limit=1)["runs"][0]
    assert first["id"] == "s004" and "new" in reader.runs(project="p")["facets"]["groups"]
    code = ("import sys; from py_tracker.storage.catalog import Catalog; c = Catalog(sys.argv[1]); "
            "c.patch('runs', 's008', {'summary': {'loss': -5.0}}); c.delete('runs', 's011')")
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)    # another process writes
    got = reader.runs(project="p", sort="summary.loss", order="asc", limit=2)
    assert [r["id"] for r in got["runs"]] == ["s008", "s004"]
    assert "s011" not in {r["id"] for r in reader.runs(limit=1000)["runs"]}
    _compare(reader)
    catalog.compact()
    reload_state(Path(tmp_path))                                                  # a reload: rebuilt
    _compare(reader)


def test_a_stored_running_run_whose_writer_died_counts_as_crashed_in_the_facets(catalog, tmp_path):
    reader = StoreReader(tmp_path)
    states = reader.runs(sort="name")["facets"]["states"]
    assert states == {"finished": 40, "running": 1, "crashed": 1}
    catalog.patch("runs", "s040", {"state": "finished"})
    assert reader.runs(sort="name")["facets"]["states"] == {"finished": 41, "crashed": 1}


def test_declared_summary_metrics_are_offered_shown_and_sorted(tmp_path, monkeypatch):
    """`define_metric("val/loss", summary="min")` stores {"min": ..}: the run list offers
    "val/loss.min" to sort by, shows its value in each row, and sorts by it."""
    import py_tracker as pt
    monkeypatch.setenv("PY_TRACKER_DIR", str(tmp_path))
    for best in (0.5, 0.2, 0.9):
        run = pt.init(project="dm", settings={"monitor_interval": 0, "capture_output": False})
        run.define_metric("val/loss", summary="min")
        run.define_metric("acc", summary="max,last")
        for i in range(3):
            run.log({"val/loss": best + i / 10, "acc": i, "plain": i})
        run.finish()
    reader = StoreReader(tmp_path)
    page = reader.runs(project="dm", sort="summary.val/loss.min", order="asc")
    assert {"val/loss.min", "acc.max", "acc.last", "plain"} <= set(page["facets"]["metrics"])
    assert [r["summary"]["val/loss.min"] for r in page["runs"]] == [0.2, 0.5, 0.9]
    assert page["runs"][0]["summary"]["acc.max"] == 2 and "val/loss" not in page["runs"][0]["summary"]
    scanned = reader._scanned_page("dm", None, None, None, None, "", "summary.val/loss.min", "asc", 0, 50, 0.0)
    assert [r["id"] for r in page["runs"]] == [r["id"] for r in scanned["runs"]]  # the kept list = a scan
