"""W&B's semantics (issue 11, section 3), each on real runs in a real store."""
from __future__ import annotations

import datetime as dt
import time
import warnings

import numpy as np
import pytest

import py_tracker as wandb
from py_tracker.core.trial import TrialContext, joining

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def test_sweep_values_are_locked_with_one_warning(store):
    with pytest.warns(UserWarning, match="'lr' was locked by 'sweep'") as caught:
        with joining(TrialContext("sw1", "s", config={"lr": 0.1, "layers": 2})):
            run = wandb.init(project="s", config={"lr": 0.5, "epochs": 3}, settings=QUIET)
        assert wandb.config.lr == 0.1  # the sweep's value, not the script's default
        wandb.config.update({"lr": 0.9, "batch": 32})
        wandb.config.lr = 0.7
        wandb.config["lr"] = 0.6
    assert sum("'lr' was locked" in str(w.message) for w in caught) == 1
    assert (wandb.config.lr, wandb.config.batch, wandb.config.epochs) == (0.1, 32, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wandb.config.update({"lr": 0.1})  # the same value: no warning
    run.finish()
    assert wandb.Api().run(run.id).config == {"lr": 0.1, "layers": 2, "epochs": 3, "batch": 32}


def test_api_run_config_and_summary_edits_persist(store):
    run = wandb.init(project="e", config={"lr": 0.1}, settings=QUIET)
    wandb.log({"acc": 0.5})
    run.finish()
    r = wandb.Api().run(run.id)
    r.config["note"] = "checked"
    r.summary["best_acc"] = 0.9
    r.update()
    again = wandb.Api().run(run.id)
    assert again.config == {"lr": 0.1, "note": "checked"}
    assert again.summary == {"acc": 0.5, "best_acc": 0.9}
    again.summary["acc"] = 0.6
    again.summary.update()  # W&B's summary.update() saves at once
    assert wandb.Api().run(run.id).summary["acc"] == 0.6
    again.summary.update({"extra": [1, 2]})
    assert wandb.Api().run(run.id).summary._json_dict == {"acc": 0.6, "best_acc": 0.9, "extra": [1, 2]}
    import orjson
    assert orjson.loads((again.dir / "summary.json").read_bytes())["extra"] == [1, 2]


def test_summary_rules(store):
    run = wandb.init(project="e", settings=QUIET)
    wandb.log({"loss": 3.0})
    wandb.summary["loss"] = 0.1  # explicit...
    assert wandb.summary["loss"] == 0.1
    wandb.log({"loss": 2.0})  # ...until the key is logged again (W&B)
    assert wandb.summary["loss"] == 2.0
    wandb.summary["note"] = "kept"  # never logged: stays
    run.define_metric("debug/*", summary="none")
    wandb.log({"debug/grad": 1.0, "loss": 1.5})
    assert "debug/grad" not in wandb.summary and "debug/grad" not in wandb.summary.keys()
    assert run.summary._json_dict == {"loss": 1.5, "note": "kept"}
    run.finish()
    assert wandb.Api().run(run.id).summary == {"loss": 1.5, "note": "kept"}


def test_step_sync_adds_the_step_metric(store):
    run = wandb.init(project="e", settings=QUIET)
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch")
    run.define_metric("other/*", step_metric="epoch", step_sync=False)
    for epoch in range(3):
        wandb.log({"epoch": epoch, "train/loss": 1.0 / (epoch + 1)})
        wandb.log({"val/acc": epoch / 10})  # no epoch in this row: W&B adds its last value
        wandb.log({"other/x": epoch})
    run.finish()
    rows = [r for r in wandb.Api().run(run.id).scan_history() if "val/acc" in r]
    assert [(r["val/acc"], r["epoch"]) for r in rows] == [(0.0, 0), (0.1, 1), (0.2, 2)]
    other = [r for r in wandb.Api().run(run.id).scan_history() if "other/x" in r]
    assert len(other) == 3 and all("epoch" not in r for r in other)


def test_history_samples_scan_keys_and_step_bounds(store):
    run = wandb.init(project="h", settings=QUIET)
    rng = np.random.default_rng(0)
    for i in range(1000):
        row = {"loss": float(rng.normal()), "acc": i / 1000}
        if i % 3 == 0:
            row["val"] = i
        wandb.log(row)
    run.finish()
    r = wandb.Api().run(run.id)
    for n in (7, 100, 500, 999):
        df = r.history(samples=n)
        assert len(df) == n and df["_step"].is_monotonic_increasing
    assert len(r.history(samples=5000)) == 1000
    assert len(r.history(keys=["val"], samples=50)) == 50
    both = list(r.scan_history(keys=["val", "acc"]))
    assert len(both) == 334 and all("val" in x and "acc" in x for x in both)
    assert [x["_step"] for x in r.scan_history(keys=["val"], min_step=3, max_step=12)] == [3, 6, 9]
    df = r.history(min_step=10, max_step=20)
    assert list(df["_step"]) == list(range(10, 20))  # min inclusive, max exclusive


def test_api_runs_order_created_at_and_sweep_filters(store):
    ids = []
    for i in range(3):
        r = wandb.init(project="o", name=f"r{i}", settings=QUIET)
        ids.append(r.id)
        r.finish()
        time.sleep(0.01)
    with joining(TrialContext("swX", "o", config={"a": 1})):
        s = wandb.init(project="o", settings=QUIET)
    s.finish()
    api = wandb.Api()
    assert [r.id for r in api.runs("local/o")] == ids + [s.id]  # W&B: "+created_at", oldest first
    assert [r.id for r in api.runs(path="o", order="-created_at")][:1] == [s.id]
    assert [r.id for r in api.runs("o", filters={"sweep": "swX"})] == [s.id]
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    tomorrow = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).date().isoformat()
    assert len(api.runs("o", filters={"createdAt": {"$gte": today, "$lt": tomorrow}})) == 4
    assert api.runs("o", filters={"createdAt": {"$gt": "2100-01-01T00:00:00Z"}}) == []
    with pytest.raises(ValueError, match="not ISO 8601"):
        api.runs("o", filters={"createdAt": {"$gt": "yesterday"}})


def test_sweep_handle_order_name_config(store):
    sid = wandb.sweep({"method": "grid", "name": "grid-1", "metric": {"name": "acc", "goal": "maximize"},
                       "parameters": {"x": {"values": [1, 2]}}}, project="sw")

    def train():
        run = wandb.init(settings=QUIET)
        wandb.log({"acc": wandb.config.x / 10})
        run.finish()
    wandb.agent(sid, function=train, count=2)
    handle = wandb.Api().sweep(f"sw/{sid}")
    assert (handle.name, handle.order) == ("grid-1", "-summary_metrics.acc")
    assert handle.config["metric"]["name"] == "acc"
    assert handle.best_run().config["x"] == 2
    assert handle.best_run(order="+summary_metrics.acc").config["x"] == 1
