"""The sweep ledger (`sweeps.ledger`): the incremental state a claim reads stays equal to a
full recomputation, whatever other processes do (a second agent, a killed trial, a restarted
kernel), after a reload of the catalog files, and random search avoids pending configs with it.

Real store on disk, real subprocesses (the "other kernel"), nothing mocked.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import py_tracker as pt
from py_tracker.storage.catalog import reload_state
from py_tracker.storage.records import delete_run, join_sweep, patch_sweep
from py_tracker.sweeps import agent, sweep
from py_tracker.sweeps.api import Agent
from py_tracker.sweeps.ledger import SweepLedger, ledger_for
from py_tracker.sweeps.runners import FunctionRunner
from py_tracker.sweeps.store import SweepStore

REPO = Path(__file__).resolve().parents[2]
QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False}

OTHER_KERNEL = """
import os, sys
import py_tracker as pt
from py_tracker.sweeps import agent
die = sys.argv[3] == "die"
def train():
    run = pt.init(settings={"monitor_interval": None, "capture_output": False})
    run.log({"y": float(pt.config.x)})
    if die:
        os._exit(9)  # as kill -9: the run stays "running" with a dead writer
    run.finish()
agent(sys.argv[1], function=train, count=int(sys.argv[2]))
"""


def other_kernel(tmp_path: Path, sid: str, count: int, die: bool = False) -> None:
    script = tmp_path / "other_kernel.py"
    script.write_text(OTHER_KERNEL)
    proc = subprocess.run([sys.executable, str(script), sid, str(count), "die" if die else "ok"],
                          env=dict(os.environ, PYTHONPATH=str(REPO)), timeout=120, capture_output=True, text=True)
    assert proc.returncode == (9 if die else 0), proc.stderr


def train() -> None:
    run = pt.init(settings=QUIET)
    run.log({"y": float(pt.config.x)})
    run.finish()


def state(led: SweepLedger, s: SweepStore) -> dict:
    """What a claim reads from a ledger, in comparable form."""
    with led.lock:
        pending = {t.id for t in led.pending(s._run_alive, s._claim_alive)}  # (drops dead claims from open)
        return {"claims": [c["id"] for c in led.claims], "configs": [t.config for t in led.claimed],
                "runs": {k: (v.get("state"), v.get("sweep_id")) for k, v in led.runs.items()},
                "open": set(led.open), "pending": pending}


def assert_equals_full_recomputation(s: SweepStore, sid: str) -> dict:
    rec = s.get(sid)
    kept = s.ledger(rec)  # this process's ledger, brought up to date incrementally
    fresh = SweepLedger(sid)  # one built from nothing: every claim and run read again
    fresh.sync(s.catalog, rec)
    got, want = state(kept, s), state(fresh, s)
    assert got == want
    return got


def test_the_incremental_state_equals_a_full_recomputation(store, tmp_path):
    sid = sweep({"method": "random", "metric": {"name": "y"}, "parameters": {"x": {"min": 0.0, "max": 1.0}}},
                project="p")
    s = SweepStore(store)
    assert agent(sid, function=train, count=3) == 3  # this kernel: the ledger is built and kept
    assert len(assert_equals_full_recomputation(s, sid)["claims"]) == 3

    other_kernel(tmp_path, sid, 2)  # a second agent elsewhere
    other_kernel(tmp_path, sid, 1, die=True)  # a trial killed while running
    got = assert_equals_full_recomputation(s, sid)
    assert len(got["claims"]) == 6 and len(got["runs"]) == 6
    dead = [r for r, (st, _) in got["runs"].items() if st == "running"]
    assert len(dead) == 1 and got["open"] == set(dead) and got["pending"] == set()  # its writer is gone

    # a run attached by hand, one deleted: both seen through the change feed
    extra = pt.init(project="p", config={"x": 0.5}, settings=QUIET)
    extra.finish()
    join_sweep(s.catalog, extra.id, sid)
    gone = sorted(r for r, (st, _) in got["runs"].items() if st == "finished")[0]
    delete_run(s.catalog, gone)
    got = assert_equals_full_recomputation(s, sid)
    assert extra.id in got["runs"] and gone not in got["runs"]

    # the agent's start (reap) marks the killed trial crashed from the ledger's open trials
    assert agent(sid, function=train, count=1) == 1
    assert s.catalog.get("runs", dead[0])["state"] == "crashed"
    got = assert_equals_full_recomputation(s, sid)
    assert got["open"] == set() and len(got["claims"]) == 7

    reload_state(store)  # the catalog files replaced under this process (doctor): read all again
    assert_equals_full_recomputation(s, sid)

    # a restarted kernel continues the sweep where it was, and this one sees its trials
    other_kernel(tmp_path, sid, 2)
    got = assert_equals_full_recomputation(s, sid)
    assert len(got["claims"]) == 9
    assert len({c["run_id"] for c in s.claims(s.get(sid))}) == 9


def test_random_search_does_not_repeat_a_pending_trials_config(store):
    """Random search reads only the claims (no run records), and still avoids the config of a
    trial that is going: the ledger keeps the pending ones. Before, every claim reached it as
    "claimed", so a pending config came again about half the time on a two-value space."""
    repeats = []
    for seed in range(12):
        sid = sweep({"method": "random", "seed": seed, "parameters": {"c": {"values": ["a", "b"]}}}, project="p")
        s = SweepStore(store)
        _, first, _ = s.claim(sid, lambda rec, trials: ("pend" + str(seed), {"c": "a"}), results=False)
        chooser = Agent(s, sid, FunctionRunner(lambda: None, s.catalog))
        assert chooser.results is False
        _, second, point = s.claim(sid, chooser.choose, chooser.results)
        repeats.append(point == {"c": "a"})
        s.release(first)
        s.release(second)
    assert not any(repeats)


def test_one_ledger_per_sweep_and_store_in_a_process(store):
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    a, b = SweepStore(store), SweepStore(store)
    assert ledger_for(a.catalog, sid) is ledger_for(b.catalog, sid)
    assert agent(sid, function=train, count=2) == 2
    assert [c["run_id"] for c in b.claims(b.get(sid))] == [c["run_id"] for c in a.claims(a.get(sid))]


def test_a_store_rebuilt_with_fewer_claims_is_read_again(store):
    """A sweep record whose trial_count went down (a store rebuilt by doctor from an older
    state): the ledger drops what it held and reads the claims the store has."""
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    s = SweepStore(store)
    assert agent(sid, function=train, count=3) == 3
    patch_sweep(s.catalog, sid, {"trial_count": 1})
    got = assert_equals_full_recomputation(s, sid)
    assert len(got["claims"]) == 1
    assert len(s.claims(s.get(sid))) == 1
