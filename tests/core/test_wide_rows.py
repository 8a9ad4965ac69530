"""Wide rows (more than 16 keys) take a set-based check once their keys are known: it must
accept and reject exactly what the per-key check does."""
from __future__ import annotations

import numpy as np
import pytest

import py_tracker as wandb
from py_tracker.storage.history import read_columns


def test_wide_rows_checked_like_narrow_ones(store):
    run = wandb.init(project="wide", id="widerun")
    row = {f"m{j}": float(j) for j in range(40)}
    wandb.log(row)
    wandb.log(dict(row, m3=np.float32(2.5)))            # same keys, a numpy scalar: converted
    with pytest.raises(TypeError, match="'m5'"):
        wandb.log(dict(row, m5=object()))               # same keys, an unloggable value: named
    bad = dict(row)
    bad[7] = 1.0
    with pytest.raises(TypeError, match="keys must be str"):
        wandb.log(bad)                                  # other keys: the per-key check runs
    wandb.log(dict(row, m0=-1.0))
    run.finish()
    n, cols = read_columns(store / "runs" / "widerun" / "history.jsonl")
    assert n == 3 and list(cols["m3"]) == [3.0, 2.5, 3.0] and list(cols["m0"]) == [0.0, 0.0, -1.0]
    assert cols["m3"].dtype == np.float64
    assert wandb.Api().run("widerun").summary["m0"] == -1.0


def test_summary_of_wide_rows_is_the_newest_value_whatever_the_path(store):
    run = wandb.init(project="wide", id="widesum")
    row = {f"m{j}": float(j) for j in range(40)}
    for i in range(5):
        wandb.log(dict(row, m0=float(i)))           # same keys: the fast path
    assert run.summary["m0"] == 4.0 and "m39" in run.summary and "_step" not in run.summary
    wandb.log({"narrow": 1})                         # other keys in between
    assert run.summary["m0"] == 4.0 and run.summary["narrow"] == 1
    for i in range(3):
        wandb.log(dict(row, m0=10.0 + i))
    wandb.log(dict(row, m0=99.0), step=run.step)     # the step= path sees the same summary
    assert run.summary["m0"] == 99.0
    wandb.log(dict(row, m0=7.0))
    assert dict(run.summary.items())["m0"] == 7.0 and len(run.summary) == 41
    del run.summary["m1"]
    assert "m1" not in run.summary and run.summary["m0"] == 7.0
    run.finish()
    saved = wandb.Api().run("widesum").summary
    assert saved["m0"] == 7.0 and saved["narrow"] == 1 and "m1" not in saved and "_step" not in saved
