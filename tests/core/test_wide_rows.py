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
