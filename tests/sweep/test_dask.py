"""Sweep trials on a real Dask LocalCluster (2 worker processes, loopback): every row comes
back to the controller's store, trials overlap, a killed worker crashes only its trial,
Stop reaches a remote trial, bayes keeps parallel points distinct, a lost scheduler ends
the agent cleanly."""
from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

import py_tracker as pt  # noqa: E402
from py_tracker.sweeps import parallel  # noqa: E402
from py_tracker.sweeps.parallel import SchedulerLostError, parallel_agent  # noqa: E402

pytestmark = [pytest.mark.timeout(120),  # a second cluster's HTTP server moves off 8787
              pytest.mark.filterwarnings("ignore:Port 8787 is already in use")]


@pytest.fixture
def dask_client(local_dask_client):
    client = local_dask_client
    client.wait_for_workers(2, timeout=60)  # a test before may have killed one (the nanny restarts it)
    return client


def background(fn, *args, **kwargs):
    """Run the agent in a thread (as the sweep widget does); returns (thread, result dict)."""
    out: dict = {}

    def target():
        try:
            out["n"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc
    t = threading.Thread(target=target, daemon=True)
    t.start()
    return t, out


def wait_for(cond, timeout=30.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = cond()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def runs(sid):
    return pt.Api().sweep(sid).runs


def run_with(sid, **config):
    for r in runs(sid):
        if all(r.config.get(k) == v for k, v in config.items()):
            return r
    return None


def rows(run, stream="history"):
    return run.history(pandas=False, stream=stream)


def test_grid_of_12_on_two_workers_every_row_back(store, dask_client):
    sid = pt.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                    "parameters": {"x": {"values": list(range(12))}, "k": {"value": 3}}}, project="dask")

    def train():
        pt.init(config={"base": 1})
        print(f"training x={pt.config.x}")
        for i in range(25):
            pt.log({"loss": pt.config.x * 100 + i, "i": i})
        pt.summary["best"] = pt.config.x

    events = []
    n = parallel_agent(sid, train, executor=dask_client, parallel=2,
                       on_event=lambda kind, info: events.append(kind))
    assert n == 12
    got = runs(sid)
    assert len(got) == 12 and all(r.state == "finished" for r in got)
    assert sorted(r.config["x"] for r in got) == list(range(12))
    workers = set()
    for r in got:
        x = r.config["x"]
        assert r.config["base"] == 1 and r.config["k"] == 3 and r.sweep_id == sid
        h = rows(r)
        assert [row["_step"] for row in h] == list(range(25))
        assert [row["loss"] for row in h] == [x * 100 + i for i in range(25)]
        assert r.summary["best"] == x and r.summary["loss"] == x * 100 + 24
        assert f"training x={x}" in (r.dir / "output.log").read_text()
        assert (r.dir / "config.yaml").exists()
        rec = r.to_dict()
        workers.add(rec["worker"])
        assert rec["host"] and rec["pid"] == os.getpid()  # the controller is the writer
    assert len(workers) == 2
    assert any(rows(r, "system") for r in got)  # the workers' system monitor came back too
    assert events.count("start") == events.count("end") == 12
    assert pt.Api().sweep(sid).state == "finished"


def test_random_parallel_trials_overlap_and_show_running_together(store, dask_client):
    sid = pt.sweep({"method": "random", "parameters": {"lr": {"min": 0.0, "max": 1.0}}}, project="dask")

    def train():
        pt.init()
        for i in range(8):
            pt.log({"acc": pt.config.lr + i})
            time.sleep(0.1)

    t0 = time.monotonic()
    thread, out = background(pt.agent, sid, function=train, count=4, executor=dask_client, parallel=4)
    seen_running = wait_for(lambda: len([r for r in pt.Api().runs(project="dask") if r.state == "running"]) >= 2,
                            what="two trials running at once")
    thread.join(60)
    assert "error" not in out and out["n"] == 4
    got = runs(sid)
    assert [r.state for r in got] == ["finished"] * 4 and seen_running
    spans = [(rows(r)[0]["_timestamp"], rows(r)[-1]["_timestamp"]) for r in got]
    overlaps = sum(1 for i, a in enumerate(spans) for b in spans[i + 1:] if a[0] < b[1] and b[0] < a[1])
    assert overlaps >= 2
    assert time.monotonic() - t0 < sum(b - a for a, b in spans) + 10


def test_killed_worker_crashes_its_trial_keeps_rows_sweep_goes_on(store, dask_client):
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [0, 1, 2, 3]}}}, project="dask")

    def train():
        pt.init()
        steps = 300 if pt.config.x == 0 else 3
        for i in range(steps):
            pt.log({"v": i})
            time.sleep(0.05)

    thread, out = background(parallel_agent, sid, train, executor=dask_client, parallel=2)

    def victim():
        r = run_with(sid, x=0)
        return r if r is not None and r.to_dict().get("worker_pid") and len(rows(r)) >= 5 else None
    r0 = wait_for(victim, what="trial x=0 streaming rows")
    os.kill(r0.to_dict()["worker_pid"], signal.SIGKILL)
    thread.join(90)
    assert not thread.is_alive() and "error" not in out, out
    assert out["n"] == 4
    got = {r.config["x"]: r for r in runs(sid)}
    assert got[0].state == "crashed"
    kept = rows(got[0])
    assert len(kept) >= 5 and [row["v"] for row in kept] == list(range(len(kept)))
    assert all(got[x].state == "finished" and len(rows(got[x])) == 3 for x in (1, 2, 3))
    rec = pt.Api().sweep(sid)
    assert len(rec.trials()) == 4  # the crashed trial was not re-run or counted twice


def test_stop_reaches_a_remote_trial(store, dask_client):
    sid = pt.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="dask")

    def train():
        pt.init()
        for i in range(600):
            pt.log({"v": i})
            time.sleep(0.05)

    thread, out = background(parallel_agent, sid, train, executor=dask_client, parallel=2)
    wait_for(lambda: all(len(rows(r)) >= 3 for r in runs(sid)) and len(runs(sid)) == 2,
             what="two trials logging")
    t0 = time.monotonic()
    pt.Api().sweep(sid).stop()
    thread.join(30)
    took = time.monotonic() - t0
    assert not thread.is_alive() and "error" not in out and out["n"] == 2
    assert took < 4.0, took
    for r in runs(sid):
        assert r.state == "stopped" and len(rows(r)) >= 3
        assert r.to_dict().get("stop_reason") == "sweep stopped"


def test_bayes_parallel_points_are_distinct(store, dask_client):
    sid = pt.sweep({"method": "bayes", "metric": {"name": "loss", "goal": "minimize"}, "seed": 3,
                    "parameters": {"x": {"values": list(range(16))}}}, project="dask")

    def train():
        pt.init()
        time.sleep(0.3)
        pt.log({"loss": (pt.config.x - 5) ** 2})

    assert parallel_agent(sid, train, executor=dask_client, parallel=2, count=6) == 6
    got = runs(sid)
    xs = [r.config["x"] for r in got]
    assert len(set(xs)) == 6, xs  # pending trials were counted: no point proposed twice
    spans = [(r.created_at, r.to_dict()["finished_at"]) for r in got]
    assert any(a[0] < b[1] and b[0] < a[1] for i, a in enumerate(spans) for b in spans[i + 1:])


def test_failed_trial_shows_traceback_and_agent_goes_on(store, dask_client, capsys):
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [0, 1]}}}, project="dask")

    def train():
        pt.init()
        pt.log({"v": 1})
        if pt.config.x == 0:
            raise ValueError("bad trial on purpose")

    assert parallel_agent(sid, train, executor=dask_client, parallel=2) == 2
    got = {r.config["x"]: r for r in runs(sid)}
    assert got[0].state == "failed" and got[1].state == "finished"
    assert len(rows(got[0])) == 1
    err = capsys.readouterr().err
    assert "bad trial on purpose" in err and "ValueError" in err


def test_scheduler_gone_stops_agent_with_clear_error(store, monkeypatch):
    monkeypatch.setattr(parallel, "SCHEDULER_GRACE", 1.0)
    cluster = distributed.LocalCluster(processes=True, n_workers=1, threads_per_worker=1,
                                       host="127.0.0.1", dashboard_address=None)
    client = distributed.Client(cluster)
    sid = pt.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="dask")

    def train():
        pt.init()
        for i in range(600):
            pt.log({"v": i})
            time.sleep(0.05)

    try:
        thread, out = background(parallel_agent, sid, train, executor=client, parallel=1)
        wait_for(lambda: runs(sid) and len(rows(runs(sid)[0])) >= 3, what="the trial logging")
        cluster.close()
        thread.join(40)
        assert not thread.is_alive()
        assert isinstance(out.get("error"), SchedulerLostError), out
        assert "scheduler" in str(out["error"]) and "agent() again" in str(out["error"])
    finally:
        client.close()
    got = runs(sid)
    assert got[0].state == "crashed" and len(rows(got[0])) >= 3
    assert all(r.state == "crashed" for r in got)  # nothing left "running" by a dead writer
    assert pt.Api().sweep(sid).state == "running"  # a new agent() can resume it


CONTROLLER = r'''
import sys, time
import py_tracker as pt
from distributed import Client
from py_tracker.sweeps import parallel

parallel.LEASE_TIMEOUT = 2.0

def train():
    pt.init()
    for i in range(600):
        pt.log({"v": i})
        time.sleep(0.05)

client = Client(sys.argv[1])
parallel.parallel_agent(sys.argv[2], train, executor=client, parallel=2)
'''


def test_controller_restart_resumes_without_counting_twice(store, dask_client, tmp_path):
    import subprocess
    import sys
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [0, 1, 2, 3]}}}, project="dask")
    script = tmp_path / "controller.py"
    script.write_text(CONTROLLER)
    repo = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=repo)
    proc = subprocess.Popen([sys.executable, str(script), dask_client.scheduler.address, sid], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(runs(sid)) == 2 and all(len(rows(r)) >= 3 for r in runs(sid)), timeout=60,
                 what="the first controller's two trials logging")
    finally:
        proc.kill()
        proc.wait(10)
    first = {r.id for r in runs(sid)}

    def train():
        pt.init()
        pt.log({"v": pt.config.x})

    t0 = time.monotonic()
    assert parallel_agent(sid, train, executor=dask_client, parallel=2) == 2
    assert time.monotonic() - t0 < 20  # the old trials left the workers (lease), freeing them
    got = {r.id: r for r in runs(sid)}
    assert len(got) == 4 and len(pt.Api().sweep(sid).trials()) == 4
    assert all(got[i].state == "crashed" and len(rows(got[i])) >= 3 for i in first)
    assert sorted(r.config["x"] for r in got.values()) == [0, 1, 2, 3]
    assert all(r.state == "finished" for i, r in got.items() if i not in first)


def test_hyperband_stops_remote_trials_quickly(store, dask_client):
    sid = pt.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                    "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 3},
                    "parameters": {"x": {"values": [0, 1, 2]}}}, project="dask")

    def train():
        pt.init()
        x = pt.config.x
        for i in range(40 if x == 0 else 600):
            pt.log({"loss": 0.0 if x == 0 else 10.0 + x})
            time.sleep(0.05)

    assert parallel_agent(sid, train, executor=dask_client, parallel=2) == 3
    got = {r.config["x"]: r for r in runs(sid)}
    assert got[0].state == "finished" and len(rows(got[0])) == 40
    for x in (1, 2):
        assert got[x].state == "stopped" and got[x].to_dict().get("stop_reason") == "hyperband"
        assert 3 <= len(rows(got[x])) < 60  # stopped within ~2 s of reaching the band


def test_pause_lets_remote_trials_finish_and_starts_none(store, dask_client):
    sid = pt.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="dask")

    def train():
        pt.init()
        for i in range(15):
            pt.log({"v": i})
            time.sleep(0.1)

    thread, out = background(parallel_agent, sid, train, executor=dask_client, parallel=2, count=4)
    wait_for(lambda: len(runs(sid)) == 2 and all(len(rows(r)) >= 1 for r in runs(sid)), what="two trials")
    handle = pt.Api().sweep(sid)
    handle.pause()
    wait_for(lambda: all(r.state == "finished" for r in runs(sid)), what="running trials to finish")
    time.sleep(1.0)
    assert len(runs(sid)) == 2 and thread.is_alive()  # paused: nothing new started
    handle.resume()
    thread.join(60)
    assert "error" not in out and out["n"] == 4
    assert [r.state for r in runs(sid)] == ["finished"] * 4
    assert all(len(rows(r)) == 15 for r in runs(sid))


def test_keyboard_interrupt_fails_running_trials_and_frees_workers(store, dask_client):
    sid = pt.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="dask")

    def train():
        pt.init()
        for i in range(600):
            pt.log({"v": i})
            time.sleep(0.05)

    def interrupt():  # what the notebook's interrupt button does to a blocking agent() call
        wait_for(lambda: len(runs(sid)) == 2 and len(rows(runs(sid)[0])) >= 2, what="trials logging")
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=interrupt, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        parallel_agent(sid, train, executor=dask_client, parallel=2)
    got = runs(sid)
    assert len(got) == 2 and all(r.state == "failed" for r in got)
    assert all(r.to_dict().get("stop_reason") == "agent interrupted" for r in got)
    assert len(rows(got[0])) >= 2
    # the workers stopped those trials: a new sweep gets both workers at once
    sid2 = pt.sweep({"method": "grid", "parameters": {"x": {"values": [0, 1]}}}, project="dask")
    t0 = time.monotonic()
    assert parallel_agent(sid2, lambda: pt.init() and None, executor=dask_client, parallel=2) == 2
    assert time.monotonic() - t0 < 10


def test_parallel_without_executor_makes_and_closes_a_local_cluster(store):
    import gc
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="dask")

    def train():
        pt.init()
        pt.log({"v": pt.config.x})

    def clusters() -> list:
        # gc.get_objects() also holds weak proxies whose target died: isinstance() on one raises
        found = []
        for c in gc.get_objects():
            try:
                if isinstance(c, distributed.LocalCluster):
                    found.append(c)
            except ReferenceError:
                pass
        return found

    before = {id(c) for c in clusters()}
    assert pt.agent(sid, function=train, parallel=2) == 2
    assert [r.state for r in runs(sid)] == ["finished", "finished"]
    made = [c for c in clusters() if id(c) not in before]
    assert all(c.status.name == "closed" for c in made)


def test_one_runs_stop_button_stops_only_that_remote_trial(store, dask_client):
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [0, 1]}}}, project="dask")

    def train():
        pt.init()
        for i in range(600 if pt.config.x == 0 else 40):
            pt.log({"v": i})
            time.sleep(0.05)

    thread, out = background(parallel_agent, sid, train, executor=dask_client, parallel=2)
    r0 = wait_for(lambda: (r := run_with(sid, x=0)) is not None and len(rows(r)) >= 3 and r,
                  what="trial x=0 logging")
    t0 = time.monotonic()
    r0.request_stop()  # what the sidebar's Stop does: the run's stop flag in the store
    wait_for(lambda: run_with(sid, x=0).state == "stopped", timeout=5, what="x=0 stopped")
    assert time.monotonic() - t0 < 3.0
    thread.join(30)
    assert "error" not in out and out["n"] == 2
    assert run_with(sid, x=1).state == "finished" and len(rows(run_with(sid, x=1))) == 40
    assert run_with(sid, x=0).to_dict().get("stop_reason") == "stopped by user"


def _watch_history_reads() -> int:
    """On a worker: from now on, note every open of a run's history.jsonl/system.jsonl for
    reading (audit hook, installed once per process). Returns the worker's pid."""
    import sys
    if not hasattr(sys, "_py_tracker_history_reads"):
        sys._py_tracker_history_reads = []  # type: ignore[attr-defined]

        def audit(event, args):
            if event == "open" and isinstance(args[0], str) and args[0].endswith(("history.jsonl", "system.jsonl")):
                mode, flags = args[1], args[2]
                reading = ("r" in mode and "+" not in mode) if isinstance(mode, str) else (flags & 3) == os.O_RDONLY
                if reading:
                    sys._py_tracker_history_reads.append(args[0])  # type: ignore[attr-defined]
        sys.addaudithook(audit)
    sys._py_tracker_history_reads.clear()  # type: ignore[attr-defined]
    return os.getpid()


def _history_reads() -> list:
    import sys
    return list(getattr(sys, "_py_tracker_history_reads", []))


def test_rows_travel_as_rows_the_worker_never_reads_history_files(store, dask_client):
    """The Dask transport is a run sink: every row, the record and the files arrive in the
    controller's store, and no worker opens a run's history or system file to ship it."""
    dask_client.run(_watch_history_reads)
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="dask")

    def train():
        run = pt.init()
        for i in range(400):
            pt.log({"loss": float("nan") if i == 7 else pt.config.x + i, "name": f"r{i}", "big": 2 ** 70})
        (Path(run.dir) / "weights.bin").write_bytes(b"\x00\x01" * 1000)
        print("trained", pt.config.x)
        pt.summary["best"] = pt.config.x

    assert parallel_agent(sid, train, executor=dask_client, parallel=2) == 2
    for r in runs(sid):
        x = r.config["x"]
        h = rows(r)
        assert [row["_step"] for row in h] == list(range(400))
        assert [row["name"] for row in h] == [f"r{i}" for i in range(400)]
        assert h[7]["loss"] != h[7]["loss"] and h[8]["loss"] == x + 8 and h[0]["big"] == 2 ** 70
        assert r.summary["best"] == x and r.state == "finished"
        assert (r.dir / "weights.bin").read_bytes() == b"\x00\x01" * 1000
        assert f"trained {x}" in (r.dir / "output.log").read_text()
    reads = dask_client.run(_history_reads)
    assert all(v == [] for v in reads.values()), f"workers read history files to ship them: {reads}"
