"""`storage.records` is the only writer of run and sweep records, and states are one enum.

The scan reads every module's syntax tree (no import, nothing mocked): a call of a catalog
write method (`put`, `put_many`, `patch`, `insert_new`, `delete`) whose table is "runs" or
"sweeps" is allowed only inside `py_tracker/storage/`. The scanner itself is checked on a
snippet that breaks the rule, so this test cannot pass by finding nothing.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.storage import records
from py_tracker.storage.catalog import Catalog, reload_state
from py_tracker.storage.records import RunState, SweepState

PKG = Path(pt.__file__).parent
WRITES = {"put", "put_many", "patch", "insert_new", "delete"}
TABLES = {"runs", "sweeps"}
QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def record_writes(source: str) -> list[int]:
    """Lines of `source` that write the runs/sweeps table through a Catalog method."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in TABLES):
            lines.append(node.lineno)
    return lines


def test_the_scanner_finds_a_record_write():
    bad = 'def f(catalog, rec):\n    catalog.put("runs", rec)\n    catalog.patch("sweeps", "s1", {"state": "paused"})\n'
    assert record_writes(bad) == [2, 3]
    assert record_writes('catalog.put("artifacts", doc)\nrecords.save_run(catalog, "r", {})\n') == []


def test_no_module_outside_storage_writes_a_run_or_sweep_record():
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel.parts[0] == "storage":
            continue
        offenders += [f"{rel}:{line}" for line in record_writes(path.read_text())]
    assert offenders == [], f"write run/sweep records through py_tracker.storage.records: {offenders}"


def test_catalog_uses_no_private_tinydb_api():
    """`Catalog` allocates document ids itself (the journal's next_id), never TinyDB's
    private `_next_id`/`_update_table`/`_read_table`."""
    private = {"_next_id", "_get_next_id", "_update_table", "_read_table"}
    for path in sorted(PKG.rglob("*.py")):
        used = {n.attr for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Attribute)}
        assert not used & private, (path, used & private)


def test_run_states_round_trip_through_the_store_as_plain_text(tmp_path):
    ends = {RunState.FINISHED: {}, RunState.FAILED: {"exit_code": 1}, RunState.STOPPED: {"state": "stopped"}}
    ids = {}
    for want, kwargs in ends.items():
        run = pt.init(project="rs", dir=tmp_path, settings=QUIET)
        assert run.state == RunState.RUNNING and Catalog(tmp_path).get("runs", run.id)["state"] == "running"
        run.finish(**kwargs)
        ids[want] = run.id
    crashed = pt.init(project="rs", dir=tmp_path, settings=QUIET)
    crashed._stop_threads()  # its writer "dies": the record stays "running"
    records.end_run(Catalog(tmp_path), crashed.id, RunState.CRASHED)
    ids[RunState.CRASHED] = crashed.id

    reload_state(tmp_path)  # read the files again, as another process would
    cat = Catalog(tmp_path, readonly=True)
    for state, run_id in ids.items():
        stored = json.loads((tmp_path / "runs" / run_id / "record.json").read_text())["state"]
        assert type(stored) is str and stored == state.value  # the JSON holds the plain string
        assert RunState(cat.get("runs", run_id)["state"]) is state
        assert pt.Api(tmp_path).run(f"rs/{run_id}").state == state  # str enum compares to the text
        assert f"{state}" == str(state) == state.value
    assert cat.get("runs", ids[RunState.FINISHED])["exit_code"] == 0
    assert cat.get("runs", ids[RunState.CRASHED])["finished_at"] is not None


def test_bad_states_are_refused_naming_the_value(tmp_path):
    with pytest.raises(UsageError, match=r"'done' is not one of \['running', 'finished'"):
        records.end_fields("done")
    with pytest.raises(UsageError, match="cannot end in state 'running'"):
        records.end_fields(RunState.RUNNING)
    run = pt.init(project="rs", dir=tmp_path, settings=QUIET)
    with pytest.raises(UsageError, match="'finised'"):
        run.finish(state="finised")
    assert not run.finished and run.state == "running"  # nothing lost: the run goes on
    run.log({"x": 1})
    run.finish()
    assert pt.Api(tmp_path).run(f"rs/{run.id}").state == "finished"
    with pytest.raises(UsageError, match="sweep state must be one of"):
        records.sweep_state("done")


def test_sweep_states_and_claims_through_the_records_module(tmp_path):
    cat = Catalog(tmp_path)
    rec = records.new_sweep("sw1", "p", {"method": "grid"}, 7)
    records.create_sweep(cat, rec)
    with pytest.raises(UsageError, match="already exists"):
        records.create_sweep(cat, dict(rec))
    got, run_id, config = records.claim_trial(cat, "sw1", lambda doc: ("t1", {"x": 1}))
    assert (run_id, config) == ("t1", {"x": 1}) and got["trial_count"] == 1 and not got.get("trials")
    claim = cat.get("trials", records.claim_key("sw1", 0))  # a claim is a record of its own
    assert claim["run_id"] == "t1" and claim["config"] == {"x": 1} and claim["pid"] is not None
    got, run_id, _ = records.claim_trial(cat, "sw1", lambda doc: "grid done")
    assert run_id is None and got["state"] == SweepState.FINISHED and got["reason"] == "grid done"
    with pytest.raises(UsageError, match="cannot be resumed"):
        records.set_sweep_state(cat, "sw1", SweepState.RUNNING)
    assert records.set_sweep_state(cat, "nosuch", "paused") is None
    reload_state(tmp_path)
    assert Catalog(tmp_path, readonly=True).get("sweeps", "sw1")["state"] == "finished"


def test_derived_state_and_runtime_are_one_rule_for_api_and_server(tmp_path):
    """A "running" record whose writer is gone: Api, the server's reader and the notebook
    panel source all show "crashed" and the stored runtime (no time added)."""
    from py_tracker.notebook.live.source import RunSource
    from py_tracker.server.store import StoreReader
    run = pt.init(project="dr", dir=tmp_path, settings=QUIET)
    run.finish()
    records.save_run(Catalog(tmp_path), run.id, {"state": "running", "pid": 2**22 + 7, "pid_start": 1.0,
                                                  "runtime": 12.5, "updated_at": 1.0})
    reload_state(tmp_path)
    api_run = pt.Api(tmp_path).run(f"dr/{run.id}")
    reader = StoreReader(tmp_path)
    listed = reader.runs(project="dr")["runs"][0]
    detail = reader.run_detail(run.id)["run"]
    source = RunSource(api_run)
    assert api_run.state == listed["state"] == detail["state"] == source.state == "crashed"
    assert api_run.runtime == listed["runtime"] == detail["runtime"] == source.runtime == 12.5
    rec = Catalog(tmp_path).get("runs", run.id)
    assert records.effective_state(rec) == "crashed" and records.run_runtime(rec, "crashed") == 12.5
    assert records.run_runtime(dict(rec, updated_at=100.0), "running", now=110.0) == 22.5
