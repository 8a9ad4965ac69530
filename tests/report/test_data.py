"""Report data: target resolution, downsampling that keeps spikes, group aggregates, diff tables."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.reporting import data


def test_resolve_targets(root: Path, new_run, logged) -> None:
    a = logged(new_run(name="a"))
    b = logged(new_run(name="b"))
    other = logged(new_run(project="q", name="c"))
    assert [r.id for r in data.resolve("p", root).runs] == [a.id, b.id]
    assert [r.id for r in data.resolve([f"p/{a.id}", other.id], root).runs] == [a.id, other.id]
    api_runs = pt.Api(root).runs("p")
    assert {r.id for r in data.resolve(api_runs).runs} == {a.id, b.id}  # root taken from the ApiRuns
    with pytest.raises(UsageError, match="neither a run, a project nor a sweep"):
        data.resolve("nope", root)
    with pytest.raises(UsageError):
        data.resolve([], root)


def test_live_run_is_flushed_into_the_report(root: Path, new_run) -> None:
    run = new_run(name="live")
    for i in range(10):
        run.log({"x": i})
    run.summary["extra"] = 5
    t = data.resolve(run)
    n, cols = t.runs[0].columns()
    assert n == 10 and list(cols["x"]) == list(range(10))
    assert t.runs[0].summary["extra"] == 5


def test_series_keeps_spikes(root: Path, new_run) -> None:
    run = new_run()
    for i in range(20_000):
        run.log({"loss": 1.0 if i != 12_345 else 1000.0})
    run.finish()
    rd = data.resolve(run.id, root).runs[0]
    x, y = data.series(rd, "loss", "history", "_step", 200)
    assert len(x) <= 202 and y.max() == 1000.0 and 12_345 in x


def test_aggregate_mean_and_band() -> None:
    class Fake:  # columns only; the aggregate is pure numpy
        step_metrics: dict = {}

        def __init__(self, ys: list[float]) -> None:
            self.cols = {"_step": np.arange(len(ys), dtype=float), "m": np.asarray(ys, dtype=float)}

        def columns(self, stream: str = "history") -> tuple[int, dict]:
            return len(self.cols["m"]), self.cols
    runs = [Fake([1, 1, 1, 1]), Fake([3, 3, 3, 3])]
    x, mean, lo, hi = data.aggregate(runs, "m", "history", "_step", 4)  # type: ignore[arg-type]
    assert list(mean) == [2, 2, 2, 2] and list(lo) == [1] * 4 and list(hi) == [3] * 4 and len(x) == 4


def test_table_rows_mark_differences() -> None:
    rows = data.table_rows([{"lr": 0.1, "opt": {"name": "adam"}, "_private": 1},
                            {"lr": 0.2, "opt": {"name": "adam"}}])
    assert rows == [("lr", ["0.1", "0.2"], True), ("opt.name", ["adam", "adam"], False)]
    assert data.table_rows([{"a": 1}, {}]) == [("a", ["1", "—"], True)]
    assert data.fmt(1 / 3) == "0.333333" and data.fmt({"_type": "image-file"}) == "(image-file)"


def test_metric_keys_and_globs(root: Path, new_run, logged) -> None:
    logged(new_run())
    runs = data.resolve("p", root).runs
    assert data.metric_keys(runs, None) == ["acc", "loss", "nested.m"]
    assert data.metric_keys(runs, ["loss", "nest*"]) == ["loss", "nested.m"]
    assert data.system_keys(runs) == ["system.cpu", "system.memory_percent"]


def test_group_mean_of_unaligned_and_unequal_runs_is_smooth(root: Path, new_run) -> None:
    """Runs that log at different steps (even / odd) and stop at different steps: the group
    mean follows both (no zigzag between bins holding one run or the other) and runs on to
    the longest run's last step; each metric is drawn against its step metric."""
    a, b = new_run(name="even", group="g"), new_run(name="odd", group="g")
    for s in range(200):
        run, y = (a, float(s)) if s % 2 == 0 else (b, s + 2.0)
        if run is b and s > 120:
            run.log({"other": 0.0}, step=s)  # b stops logging m after step 119; its steps go on
            continue
        run.log({"m": y, "other": 0.0}, step=s)
    for r in (a, b):
        r.define_metric("val/loss", step_metric="epoch")
        for e in range(3):
            r.log({"epoch": e, "val/loss": 1.0 / (e + 1)}, step=200 + e)
        r.finish()
    runs = data.resolve("p", root).runs
    x, mean, lo, hi = data.aggregate(runs, "m", "history", "_step", 150)
    both = (x >= 1) & (x <= 119)
    assert np.allclose(mean[both], x[both] + 1.0)  # interpolated: A is y=x, B is y=x+2
    assert np.allclose(hi[both] - lo[both], 2.0)
    assert x.max() >= 198 and np.allclose(mean[x > 125], x[x > 125])  # A alone after B ended
    assert data.x_key(runs[0], "val/loss", "history", "_step") == "epoch"
    vx, vy = data.series(runs[0], "val/loss", "history", "_step", 100)
    assert list(vx) == [0, 1, 2] and np.allclose(vy, [1, 1 / 2, 1 / 3])
    gx, gmean, _, _ = data.aggregate(runs, "val/loss", "history", "_step", 50)
    assert list(gx) == [0, 1, 2]
