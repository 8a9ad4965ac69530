"""Durations come from the monotonic clock: a wall clock stepped back (NTP, suspend, a user)
never makes `_runtime` or the record's runtime shrink or go negative, while `_timestamp`
stays the wall clock.

The machine clock cannot be stepped here (and must not be: other work shares it), so this
test patches `time.time` in-process — the one place the suite fakes a clock. `time.monotonic`
is left real; that is the point.
"""
from __future__ import annotations

import time

import py_tracker as pt

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
STEP_BACK = 3600.0


def test_runtime_survives_the_wall_clock_stepping_back(tmp_path, monkeypatch):
    real = time.time
    run = pt.init(dir=tmp_path, project="clock", settings=QUIET)
    run.log({"x": 1})
    time.sleep(0.05)
    before_step = real()
    monkeypatch.setattr(time, "time", lambda: real() - STEP_BACK)  # the wall clock jumps back an hour
    run.log({"x": 2})
    run.log({"x": 3}, commit=False)
    run.log({"y": 4})
    run.finish()
    monkeypatch.setattr(time, "time", real)

    api_run = pt.Api(tmp_path).run(run.id)
    rows = api_run.history(pandas=False)
    runtimes = [r["_runtime"] for r in rows]
    assert [r.get("x") for r in rows] == [1, 2, 3]
    assert all(t >= 0 for t in runtimes), runtimes
    assert runtimes == sorted(runtimes) and runtimes[1] >= 0.05, runtimes
    # _timestamp is still the wall clock, stepped back with it
    assert rows[0]["_timestamp"] < before_step and rows[1]["_timestamp"] < before_step - STEP_BACK + 60
    assert api_run.runtime >= runtimes[-1] >= 0.05
