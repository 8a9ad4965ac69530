"""sweep()/agent(): trial configs, failures, count, run_cap, target, grid end, seeds,
hyperband while training, KeyboardInterrupt, and resume after a kernel restart."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.sweeps import SweepConfigError, agent, sweep
from py_tracker.sweeps.store import SweepStore

REPO = Path(__file__).resolve().parents[2]


def ran(sid, *args, **kwargs) -> int:
    """agent(...), checking that the number it returns is the number of trials it started."""
    from py_tracker.sweeps.store import SweepStore as _S
    count = lambda: len((lambda s: s.claims(s.get(sid.split("/")[-1])))(_S()))  # noqa: E731
    before = count()
    n = agent(sid, *args, **kwargs)
    assert n == count() - before
    return n


def runs_of(sid):
    return pt.Api().sweep(sid).runs


def test_trial_config_wins_project_ignored_nested(store):
    sid = sweep({"method": "grid", "parameters": {
        "lr": {"values": [0.1, 0.2]}, "opt": {"parameters": {"name": {"value": "adam"}}}}},
        project="proj")
    seen = []

    def train():
        run = pt.init(project="ignored", config={"lr": 99, "keep": 1})
        seen.append((run.project, dict(pt.config.as_dict()), run.sweep_id))
        pt.log({"loss": pt.config.lr})
    assert ran(sid, function=train) == 2
    assert [s[1]["lr"] for s in seen] == [0.1, 0.2]
    assert all(p == "proj" and c["keep"] == 1 and c["opt"] == {"name": "adam"} and s == sid
               for p, c, s in seen)
    runs = runs_of(sid)
    assert [r.state for r in runs] == ["finished", "finished"]
    assert runs[0].config["lr"] == 0.1 and runs[0].summary["loss"] == 0.1
    assert pt.run is None  # the agent finished the run the function left open


def test_failure_continues_count_counts_failures(store, capsys):
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    calls = []

    def train():
        pt.init()
        calls.append(1)
        if len(calls) == 2:
            raise ValueError("boom in trial two")
        pt.log({"y": 1})
    assert ran(sid, function=train, count=4) == 4
    states = [r.state for r in runs_of(sid)]
    assert states == ["finished", "failed", "finished", "finished"]
    err = capsys.readouterr().err
    assert "Traceback" in err and "boom in trial two" in err


def test_function_without_init_still_records_a_trial(store):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="p")
    agent(sid, function=lambda: None)
    runs = runs_of(sid)
    assert sorted(r.config["x"] for r in runs) == [1, 2] and {r.state for r in runs} == {"finished"}


def test_run_cap_and_target_and_grid_end(store):
    sid = sweep({"method": "random", "run_cap": 3, "parameters": {"x": {"values": [1, 2]}}}, project="p")
    assert ran(sid, function=lambda: None, count=10) == 3
    h = pt.Api().sweep(sid)
    assert h.state == "finished" and "run_cap" in h.reason
    assert ran(sid, function=lambda: None, count=5) == 0

    sid = sweep({"method": "grid", "metric": {"name": "loss", "target": 2},
                 "parameters": {"x": {"values": [5, 1, 3, 0]}}}, project="p")

    def train():
        pt.init()
        pt.log({"loss": pt.config.x})
    assert ran(sid, function=train) == 2
    assert "target" in pt.Api().sweep(sid).reason

    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}, project="p")
    assert ran(sid, function=lambda: None) == 3
    assert pt.Api().sweep(sid).state == "finished"
    assert ran(sid, function=lambda: None) == 0


def test_seed_reproducible_through_the_api(store):
    cfg = {"method": "random", "seed": 11, "parameters": {
        "lr": {"distribution": "log_uniform_values", "min": 1e-4, "max": 1e-1},
        "bs": {"values": [16, 32, 64]}}}
    configs = []
    for _ in range(2):
        sid = sweep(cfg, project="p")
        agent(sid, function=lambda: None, count=3)
        configs.append([{k: r.config[k] for k in ("lr", "bs")} for r in runs_of(sid)])
    assert configs[0] == configs[1]


def test_bayes_sweep_runs_and_learns(store):
    sid = sweep({"method": "bayes", "metric": {"name": "loss"}, "seed": 1,
                 "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")

    def train():
        pt.init()
        pt.log({"loss": (pt.config.x - 0.3) ** 2})
    agent(sid, function=train, count=8)
    best = pt.Api().sweep(sid).best_run()
    assert abs(best.config["x"] - 0.3) < 0.1


def test_hyperband_stops_a_bad_trial_while_it_runs(store):
    sid = sweep({"method": "grid", "metric": {"name": "loss"},
                 "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 3},
                 "parameters": {"x": {"values": [1, 5, 0.5]}}}, project="p")
    logged = {}

    def train():
        run = pt.init()
        for i in range(24):
            logged[run.id] = i + 1
            pt.log({"loss": pt.config.x})
            time.sleep(0.05)
    agent(sid, function=train)
    runs = runs_of(sid)
    assert [r.state for r in runs] == ["finished", "stopped", "finished"]
    stopped = runs[1]
    assert 2 <= logged[stopped.id] < 24
    assert len(stopped.history(pandas=False)) == logged[stopped.id] - 1  # all it logged is kept
    assert stopped.to_dict().get("stop_reason") == "hyperband"


def test_keyboard_interrupt_marks_failed_and_reraises(store):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2, 3]}}}, project="p")
    handled = []

    def train():
        pt.init()
        if pt.config.x == 2:
            raise KeyboardInterrupt
    try:
        agent(sid, function=train)
    except KeyboardInterrupt:
        handled.append(True)
    assert handled == [True]
    assert [r.state for r in runs_of(sid)] == ["finished", "failed"]
    assert pt.run is None
    from py_tracker.core.trial import current_trial
    assert current_trial() is None  # the trial context ended with the trial


def test_bad_input(store):
    with pytest.raises(SweepConfigError):
        sweep({"method": "grid", "parameters": {"x": {"values": []}}})
    sid = sweep({"method": "random", "parameters": {"x": {"value": 1}}})
    with pytest.raises(pt.errors.UsageError, match="count"):
        agent(sid, function=lambda: None, count=0)
    with pytest.raises(pt.errors.UsageError, match="no sweep"):
        agent("nosuchid", function=lambda: None)
    with pytest.raises(pt.errors.UsageError, match="needs function"):
        agent(sid)
    with pytest.raises(TypeError, match="no arguments"):
        agent(sid, function="train")


def test_prior_runs_join_the_sweep(store):
    run = pt.init(project="p", config={"x": 1})
    pt.log({"loss": 3})
    pt.finish()
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="p",
                prior_runs=[run.id])
    assert ran(sid, function=lambda: None) == 1
    assert sorted(r.config["x"] for r in runs_of(sid)) == [1, 2]


RESTART_SCRIPT = """
import os, sys
import py_tracker as pt
from py_tracker.sweeps import agent
def train():
    pt.init()
    pt.log({"loss": pt.config.x})
    if pt.config.x == 3:
        pt.run.flush()
        os._exit(1)   # the kernel dies in the middle of trial 3
agent(sys.argv[1], function=train)
"""


def test_resume_after_kernel_restart(store, tmp_path):
    sid = sweep({"method": "grid", "metric": {"name": "loss"},
                 "parameters": {"x": {"values": [1, 2, 3, 4, 5]}}}, project="p")
    script = tmp_path / "kernel.py"
    script.write_text(RESTART_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, str(script), sid], env=env, timeout=60,
                          capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert len(runs_of(sid)) == 3
    assert ran(sid, function=lambda: None) == 2  # continues: x = 4, 5 only
    runs = runs_of(sid)
    assert [r.config["x"] for r in runs] == [1, 2, 3, 4, 5]
    assert [r.state for r in runs] == ["finished", "finished", "crashed", "finished", "finished"]
    assert pt.Api().catalog.get("runs", runs[2].id)["state"] == "crashed"  # recorded, not only shown
    assert pt.Api().sweep(sid).state == "finished"


def test_claims_survive_in_the_store(store):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="p")
    agent(sid, function=lambda: None, count=1)
    trials = SweepStore(store).trials(SweepStore(store).get(sid))
    assert [(t.config, t.state) for t in trials] == [({"x": 1}, "finished")]


def test_sys_exit_in_function(store):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [0, 2]}}}, project="p")

    def train():
        pt.init()
        sys.exit(pt.config.x)
    assert ran(sid, function=train) == 2
    assert [r.state for r in runs_of(sid)] == ["finished", "failed"]


def test_interrupted_claim_is_not_pending_forever(store, monkeypatch):
    """A KeyboardInterrupt between the claim and the run: the claim counts as crashed."""
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="p")
    from py_tracker.sweeps import runners

    def boom(self, ctx):
        raise KeyboardInterrupt
    monkeypatch.setattr(runners.FunctionRunner, "run", boom)
    with pytest.raises(KeyboardInterrupt):
        agent(sid, function=lambda: None)
    s = SweepStore(store)
    assert [t.state for t in s.trials(s.get(sid))] == ["crashed"]


PARALLEL_SCRIPT = """
import sys, time
import py_tracker as pt
from py_tracker.sweeps import agent
def train():
    pt.init()
    time.sleep(0.05)
agent(sys.argv[1], function=train)
"""


def test_two_agent_processes_never_share_a_point(store, tmp_path):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": list(range(8))}}}, project="p")
    script = tmp_path / "par.py"
    script.write_text(PARALLEL_SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, str(script), sid], env=env) for _ in range(2)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    xs = [r.config["x"] for r in runs_of(sid)]
    assert sorted(xs) == list(range(8))


def test_function_with_required_arguments_is_rejected(store):
    sid = sweep({"method": "random", "parameters": {"x": {"value": 1}}})
    with pytest.raises(pt.errors.UsageError, match="no arguments"):
        agent(sid, function=lambda config: None)


def test_agent_events_for_front_ends(store):
    from py_tracker.sweeps.api import Agent
    from py_tracker.sweeps.runners import FunctionRunner
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}})
    events = []
    st = SweepStore()

    def train():
        pt.init()
        if pt.config.x == 2:
            raise RuntimeError("bad")
    errors = []

    def on_event(kind, info):
        events.append((kind, info.get("config"), info.get("outcome")))
        errors.append(info.get("error"))
        raise RuntimeError("a broken front end does not stop the sweep")
    Agent(st, sid, FunctionRunner(train, st.catalog), on_event=on_event).run()
    assert errors[:2] == [None, None] and "RuntimeError: bad" in errors[3]
    assert events == [("start", {"x": 1}, None), ("end", None, "finished"),
                      ("start", {"x": 2}, None), ("end", None, "failed")]


def test_metric_from_define_metric_summary(store):
    from py_tracker.sweeps.best import metric_value
    assert metric_value({"loss": {"min": 1, "last": 2}}, "loss") == 1
    assert metric_value({"acc": {"min": 1, "max": 3}}, "acc", "maximize") == 3
    assert metric_value({"loss": {"min": 1.5}}, "loss.min") == 1.5
    assert metric_value({"val": {"loss": 0.5}}, "val.loss") == 0.5
    assert metric_value({"loss": True}, "loss") is None and metric_value({}, "loss") is None
    sid = sweep({"method": "grid", "metric": {"name": "loss", "target": 0.5},
                 "parameters": {"x": {"values": [2, 0.1, 3]}}}, project="p")

    def train():
        run = pt.init()
        run.define_metric("loss", summary="min")
        for v in (5, pt.config.x, 9):
            pt.log({"loss": v})
    assert ran(sid, function=train) == 2  # target reached through the summary's min
    assert pt.Api().sweep(sid).best_run().config["x"] == 0.1


def _journal_bytes(root):
    return sum(p.stat().st_size for p in Path(root).glob("catalog.journal.*"))


def test_a_claim_costs_the_same_at_the_200th_trial_as_at_the_first(store):
    """Claims are records of their own (one appended line each), not a list in the sweep
    record rewritten whole per claim: bytes written per claim and the sweep record stay flat."""
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    s = SweepStore(store)
    sizes, costs = [], []
    for i in range(200):
        before = _journal_bytes(store)
        _, run_id, point = s.claim(sid, lambda rec, trials: (f"t{i:04d}", {"x": round(i / 200, 6)}),
                                   results=False)
        s.release(run_id)
        costs.append(_journal_bytes(store) - before)
        sizes.append(len(str(s.get(sid))))
    assert max(costs[150:]) - min(costs[:10]) <= 16  # a digit more in the counter and the key
    assert sizes[-1] - sizes[0] <= 8
    claims = s.claims(s.get(sid))
    assert [c["run_id"] for c in claims] == [f"t{i:04d}" for i in range(200)]
    assert SweepStore(store).claims(s.get(sid)) == claims  # a fresh reader sees the same, in order
    assert len(s.trials(s.get(sid))) == 200


def test_a_sweep_written_by_an_earlier_version_goes_on(store):
    """Stores of earlier versions keep every claim in the sweep record's `trials` list: those
    stay the first trials, new claims follow, and run_cap counts them all."""
    sid = sweep({"method": "grid", "run_cap": 4, "parameters": {"x": {"values": [1, 2, 3, 4, 5]}}}, project="p")
    s = SweepStore(store)
    old = s.get(sid)
    for i, x in enumerate((1, 2)):
        run = pt.init(project="p", config={"x": x}, id=f"old{i}")
        run.finish()
        s.catalog.patch("runs", run.id, {"sweep_id": sid})
        old["trials"].append({"run_id": run.id, "config": {"x": x}, "started_at": time.time(),
                              "host": None, "pid": None})
    s.catalog.put("sweeps", old)
    assert ran(sid, function=lambda: pt.init()) == 2  # run_cap 4: two more
    trials = SweepStore(store).trials(SweepStore(store).get(sid))
    assert [t.config["x"] for t in trials] == [1, 2, 3, 4]  # grid skipped the points already tried
    assert [t.id for t in trials][:2] == ["old0", "old1"]
    assert pt.Api().sweep(sid).state == "finished"
