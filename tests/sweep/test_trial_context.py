"""The trial context reaches a trial's `init()` explicitly (a real sweep, real runs on disk).

What it replaced: a thread-keyed global in `core.session` that the runners saved and
restored. Checked here: the trial's init joins through the context the runner made; code
on another thread at the same time starts an ordinary run; nothing is left set after the
trial; a stop asked for before the trial's init() is kept by the context; the context
survives pickling (Dask) without its process-local parts; a command trial gets it as JSON.
"""
from __future__ import annotations

import pickle
import sys
import threading

import pytest

import py_tracker as pt
from py_tracker.core import session
from py_tracker.core.trial import TrialContext, current_trial, joining
from py_tracker.errors import RunStopped, UsageError
from py_tracker.storage.catalog import Catalog
from py_tracker.sweeps.runners import CommandRunner, FunctionRunner

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def test_a_trial_joins_through_its_context_and_other_threads_do_not(store):
    sid = pt.sweep({"method": "grid", "parameters": {"lr": {"values": [0.1, 0.2]}}}, project="tc")
    seen, outside = [], []

    def other_thread() -> None:  # the user's own code, running while the trial runs
        run = pt.init(project="mine", settings=QUIET, reinit="create_new")
        outside.append((run.sweep_id, run.project, run.config.as_dict()))
        run.finish()

    def train() -> None:
        ctx = current_trial()
        run = pt.init(config={"lr": 9.0, "epochs": 2}, settings=QUIET)
        seen.append((ctx.sweep_id, ctx.run_id, dict(ctx.config), run.id, run.sweep_id, ctx.run is run))
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
        run.log({"loss": pt.config.lr})

    assert pt.agent(sid, function=train) == 2
    assert current_trial() is None  # nothing left behind for the next init()
    assert [s[2] for s in seen] == [{"lr": 0.1}, {"lr": 0.2}]
    for sweep_id, ctx_run, _, run_id, run_sweep, attached in seen:
        assert sweep_id == run_sweep == sid and ctx_run == run_id and attached
    assert outside == [(None, "mine", {}), (None, "mine", {})]
    trials = {r.id: r for r in pt.Api().sweep(sid).runs}
    assert sorted(r.config["lr"] for r in trials.values()) == [0.1, 0.2]  # the sweep's value won
    assert all(r.config["epochs"] == 2 and r.state == "finished" for r in trials.values())
    assert not hasattr(session, "set_sweep_context") and not hasattr(session, "_sweep_context")


def test_a_stop_before_init_is_kept_by_the_context(store):
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [1]}}}, project="tc")
    runner = FunctionRunner(lambda: None, Catalog(store))
    logged = []

    def train() -> None:
        runner.stop("hyperband")  # asked before the trial's run exists
        run = pt.init(settings=QUIET)
        for i in range(5):
            run.log({"i": i})
            logged.append(i)

    runner.function = train
    ctx = TrialContext(sid, "tc", "stopme01", {"x": 1}, root=str(store))
    assert runner.run(ctx) == "stopped"
    assert ctx.stop_reason == "hyperband" and logged == []  # the first log() raised RunStopped
    assert pt.Api().run("tc/stopme01").state == "stopped"


def test_the_context_pickles_without_its_process_local_parts(store):
    ctx = TrialContext("sw1", "p", "r1", {"lr": 0.1}, root=str(store))
    with joining(ctx):
        run = pt.init(settings=QUIET)
    ctx.request_stop("x")
    back = pickle.loads(pickle.dumps(ctx))
    assert back == ctx and back.run is None and back.stop_reason is None
    assert ctx.with_root("/tmp/w").root == "/tmp/w" and ctx.with_root("/tmp/w").run is None
    assert run.stop_requested
    with pytest.raises(RunStopped):
        run.log({"a": 1})
    run.finish(state="stopped")
    with pytest.raises(UsageError, match="lacks its sweep_id"):
        TrialContext.from_dict({"run_id": "r"})


def test_a_command_trial_reads_the_context_from_its_environment(store, tmp_path):
    sid = pt.sweep({"method": "grid", "parameters": {"lr": {"values": [0.5]}}}, project="tc")
    script = tmp_path / "train.py"
    script.write_text("import py_tracker as pt\nfrom py_tracker.core.trial import current_trial\n"
                      "ctx = current_trial()\nrun = pt.init(settings={'monitor_interval': None})\n"
                      "run.log({'lr_seen': pt.config.lr, 'same': int(ctx.run_id == run.id)})\nrun.finish()\n")
    runner = CommandRunner([sys.executable, str(script)], Catalog(store), append_args=False)
    assert runner.run(TrialContext(sid, "tc", "cmdrun01", {"lr": 0.5}, root=str(store))) == "finished"
    run = pt.Api().run("tc/cmdrun01")
    assert run.sweep_id == sid and run.summary["lr_seen"] == 0.5 and run.summary["same"] == 1
