"""Api().sweep(): fields, runs, best_run, and stop/pause/resume/skip from another thread."""
from __future__ import annotations

import threading
import time

import pytest

import py_tracker as pt
from py_tracker.sweeps import SweepHandle, agent, controller, sweep  # noqa: F401


def ran(sid, *args, **kwargs) -> int:
    """agent(...), checking that the number it returns is the number of trials it started."""
    from py_tracker.sweeps.store import SweepStore as _S
    count = lambda: len((lambda s: s.claims(s.get(sid.split("/")[-1])))(_S()))  # noqa: E731
    before = count()
    n = agent(sid, *args, **kwargs)
    assert n == count() - before
    return n


def wait_for(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def test_handle_fields_runs_best(store):
    sid = sweep({"method": "grid", "name": "my sweep", "metric": {"name": "acc", "goal": "maximize"},
                 "parameters": {"x": {"values": [1, 3, 2]}, "c": {"value": 0}}}, project="p")

    def train():
        pt.init()
        pt.log({"acc": pt.config.x / 10})
    agent(sid, function=train)
    h = pt.Api().sweep(f"p/{sid}")
    assert isinstance(h, SweepHandle) and h.id == sid and h.project == "p" and h.name == "my sweep"
    assert h.state == "finished" and h.method == "grid" and h.expected_run_count == 3
    assert h.config["metric"]["goal"] == "maximize"
    assert [r.config["x"] for r in h.runs] == [1, 3, 2]
    assert h.best_run().config["x"] == 3
    assert h.best_run(order="+acc").config["x"] == 1
    assert [t["value"] for t in h.trials()] == [0.1, 0.3, 0.2]
    assert [s.id for s in pt.Api().sweeps(project="p")] == [sid]
    with pytest.raises(ValueError, match="no sweep"):
        pt.Api().sweep(f"other/{sid}")
    assert "p/" in repr(h)


def _slow_train(logged):
    def train():
        run = pt.init()
        for i in range(200):
            logged.append((run.id, time.monotonic()))
            pt.log({"loss": float(i)})
            time.sleep(0.02)
    return train


def test_stop_from_another_thread_ends_trial_within_a_second(store):
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    logged: list = []
    stopped_at = []

    def stopper():
        wait_for(lambda: len(logged) >= 5)
        pt.Api().sweep(sid).stop()
        stopped_at.append(time.monotonic())
    t = threading.Thread(target=stopper)
    t.start()
    n = ran(sid, function=_slow_train(logged))
    t.join(5)
    assert n == 1
    run = pt.Api().sweep(sid).runs[0]
    assert run.state == "stopped" and pt.Api().sweep(sid).state == "stopped"
    assert logged[-1][1] - stopped_at[0] < 1.0           # no log() call a second after Stop
    assert len(run.history(pandas=False)) == len(logged) - 1  # what it logged is kept
    assert ran(sid, function=_slow_train(logged)) == 0   # a stopped sweep starts nothing


def test_pause_resume_from_another_thread(store):
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    started = []
    events = {}

    def train():
        pt.init()
        started.append(time.monotonic())
        time.sleep(0.1)

    def controller_thread():
        h = pt.Api().sweep(sid)
        wait_for(lambda: len(started) >= 1)
        h.pause()
        time.sleep(0.3)                      # the current trial ends; no new one may start
        events["paused_count"] = len(started)
        time.sleep(0.4)
        events["still"] = len(started)
        h.resume()
        wait_for(lambda: len(started) >= events["still"] + 2)
        h.stop()
    t = threading.Thread(target=controller_thread)
    t.start()
    agent(sid, function=train)
    t.join(10)
    assert events["paused_count"] <= 2 and events["still"] == events["paused_count"]
    assert len(started) >= events["still"] + 2
    with pytest.raises(ValueError, match="cannot be resumed"):
        pt.Api().sweep(sid).resume()


def test_skip_ends_the_current_trial_and_goes_on(store):
    sid = sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="p")
    logged: list = []

    def skipper():
        wait_for(lambda: len(logged) >= 3)
        assert len(pt.Api().sweep(sid).skip()) == 1
    t = threading.Thread(target=skipper)
    t.start()
    t0 = time.monotonic()

    def train():
        run = pt.init()
        for i in range(200 if pt.config.x == 1 else 3):
            logged.append(run.id)
            pt.log({"loss": 1.0})
            time.sleep(0.02)
    assert ran(sid, function=train) == 2
    t.join(5)
    assert time.monotonic() - t0 < 3.5
    assert [r.state for r in pt.Api().sweep(sid).runs] == ["stopped", "finished"]


def test_controller_and_pause_rules(store):
    h = controller({"method": "random", "parameters": {"x": {"value": 1}}}, project="p")
    assert h.state == "running" and h.expected_run_count is None
    h.pause()
    with pytest.raises(ValueError, match="only a running sweep"):
        h.pause()
    h.resume()
    assert controller(h.id).state == "running"
    h.stop()
    assert h.state == "stopped"


def test_stop_from_another_process(store):
    import os
    import subprocess
    import sys
    from pathlib import Path
    sid = sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    logged: list = []
    done = []

    def stopper():
        wait_for(lambda: len(logged) >= 3)
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        subprocess.run([sys.executable, "-c", f"import py_tracker as pt; pt.Api().sweep('p/{sid}').stop()"],
                       env=env, timeout=60, check=True)
        done.append(time.monotonic())
    t = threading.Thread(target=stopper)
    t.start()
    assert ran(sid, function=_slow_train(logged)) == 1
    t.join(60)
    assert done and logged[-1][1] - done[0] < 1.0
    assert pt.Api().sweep(sid).runs[0].state == "stopped"
