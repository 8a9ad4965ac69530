"""The W&B-shaped API users call: init, config, log, summary, finish, resume, modes."""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest

import py_tracker as wandb
from py_tracker.errors import NoActiveRunError, RunFinishedError, RunStopped, UsageError


def test_seed_note_workflow_runs_unchanged(store):
    assert wandb.login() is True
    run = wandb.init(project="mnist", group="cnn", job_type="train",
                     config=dict(lr=0.01, epochs=5, layers=[64, 32]))
    assert wandb.run is run and len(run.id) == 8 and run.name
    assert (wandb.config.lr, wandb.config["epochs"], wandb.config.layers) == (0.01, 5, [64, 32])
    for epoch in range(5):
        wandb.log({"accuracy": 0.5 + epoch / 10, "loss": 1.0 / (epoch + 1)})
    wandb.finish()
    assert wandb.run is None
    runs = wandb.Api().runs("mnist")
    assert [r.id for r in runs] == [run.id]
    r = runs[0]
    assert (r.state, r.group, r.job_type) == ("finished", "cnn", "train")
    assert r.config == {"lr": 0.01, "epochs": 5, "layers": [64, 32]}
    assert r.summary["loss"] == pytest.approx(0.2)
    df = r.history()
    assert list(df["_step"]) == [0, 1, 2, 3, 4]
    assert {"_runtime", "_timestamp", "accuracy", "loss"} <= set(df.columns)


def test_module_level_calls_before_init_name_init(store):
    assert wandb.run is None
    with pytest.raises(NoActiveRunError, match=r"init\(\)"):
        wandb.log({"a": 1})
    with pytest.raises(NoActiveRunError, match=r"init\(\)"):
        wandb.config.lr
    with pytest.raises(NoActiveRunError, match=r"init\(\)"):
        wandb.summary["x"] = 1
    with pytest.raises(NoActiveRunError):
        wandb.define_metric("loss", summary="min")
    wandb.finish()  # no run: nothing to do, no error


def test_defaults_and_one_active_run(store):
    a = wandb.init()
    assert a.project == "uncategorized"
    b = wandb.init(project="p2")
    assert a.finished and a.state == "finished" and wandb.run is b
    assert wandb.Api().run(a.id).state == "finished"


def test_context_manager_marks_failed_on_exception(store):
    with pytest.raises(ZeroDivisionError):
        with wandb.init(project="ctx") as run:
            wandb.log({"x": 1})
            1 / 0
    assert run.state == "failed"
    with wandb.init(project="ctx") as ok:
        ok.log({"x": 2})
    assert wandb.Api().run(ok.id).state == "finished"
    assert wandb.Api().run(run.id).state == "failed"


def test_finish_exit_code_and_idempotent(store):
    run = wandb.init(project="p")
    run.finish(exit_code=3)
    run.finish()
    assert wandb.Api().run(run.id).state == "failed"
    with pytest.raises(RunFinishedError, match="init"):
        run.log({"a": 1})


def test_disabled_mode_is_a_cheap_noop(store):
    run = wandb.init(mode="disabled", config={"a": 1})
    wandb.log({"x": 1})
    assert wandb.config.a == 1
    wandb.finish()
    assert not store.exists() or not (store / "catalog.json").exists()


def test_config_access_update_and_normalization(store):
    import torch
    run = wandb.init(config={"lr": np.float32(0.5), "opt": {"name": "adam", "beta": 0.9}, "n": np.int64(3)})
    assert type(run.config.lr) is float and type(run.config["n"]) is int
    assert run.config.opt.name == "adam" and run.config["opt"]["beta"] == 0.9
    run.config.update({"batch": 32, "t": torch.tensor(2.5)})
    run.config.lr = 0.1  # changing a value is allowed (notebooks re-run cells)
    run.config["extra"] = (1, 2)
    assert run.config.get("missing", 7) == 7 and "batch" in run.config
    assert set(run.config.keys()) >= {"lr", "opt", "n", "batch", "t", "extra"}
    assert run.config.as_dict()["extra"] == [1, 2] and run.config.t == 2.5
    with pytest.raises(AttributeError, match="nope"):
        run.config.nope
    with pytest.raises(TypeError, match="obj"):
        run.config.update({"obj": object()})
    run.finish()
    assert wandb.Api().run(run.id).config["lr"] == 0.1


def test_log_values_kinds(store):
    import torch
    run = wandb.init()
    wandb.log({"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "s": "hello", "b": True,
               "np": np.float64(1.5), "t0": torch.tensor(0.25), "i": np.int32(4),
               "nested": {"a": {"b": 1}}})
    run.finish()
    rows = list(wandb.Api().run(run.id).scan_history())
    assert len(rows) == 1
    row = rows[0]
    assert math.isnan(row["nan"]) and row["inf"] == math.inf and row["ninf"] == -math.inf
    assert row["s"] == "hello" and row["b"] is True and row["np"] == 1.5 and row["t0"] == 0.25
    assert row["i"] == 4 and row["nested.a.b"] == 1
    df = wandb.Api().run(run.id).history()
    assert "nested.a.b" in df.columns and math.isnan(df["nan"][0])


def test_log_bad_input_clear_errors_and_nothing_lost(store):
    run = wandb.init()
    wandb.log({"ok": 1})
    with pytest.raises(TypeError, match=r"keys must be str.*3"):
        wandb.log({3: 1.0})
    with pytest.raises(TypeError, match=r"'weird'.*cannot be logged"):
        wandb.log({"fine": 2, "weird": object()})
    with pytest.raises(TypeError, match="dict"):
        wandb.log([1, 2])
    wandb.log({"ok": 2})
    run.finish()
    df = wandb.Api().run(run.id).history()
    assert list(df["ok"]) == [1, 2] and list(df["_step"]) == [0, 1]
    assert "fine" not in df.columns


def test_steps_commit_and_lower_step_warning(store):
    run = wandb.init()
    wandb.log({"a": 1}, commit=False)
    wandb.log({"b": 2})                      # same row as a
    wandb.log({"c": 3}, step=5)              # jumps, stays open
    wandb.log({"d": 4}, step=5)              # same step
    with pytest.warns(UserWarning, match=r"step=2.*current step 5"):
        wandb.log({"e": 5}, step=2)
    wandb.log({"f": 6})                      # commits step 5 (with c, d, f)
    wandb.log({"g": 7})
    run.finish()
    rows = list(wandb.Api().run(run.id).scan_history())
    assert [r["_step"] for r in rows] == [0, 5, 6]
    assert rows[0]["a"] == 1 and rows[0]["b"] == 2
    assert rows[1]["c"] == 3 and rows[1]["d"] == 4 and rows[1]["f"] == 6 and "e" not in rows[1]


def test_strict_steps_raise(store):
    run = wandb.init(settings={"strict_steps": True})
    wandb.log({"a": 1}, step=3, commit=True)
    with pytest.raises(ValueError, match=r"step=1.*current step 4"):
        wandb.log({"a": 2}, step=1)


def test_summary_last_settable_and_define_metric(store):
    run = wandb.init()
    wandb.define_metric("loss", summary="min,max,mean")
    wandb.define_metric("val/*", summary="max", goal="maximize")
    for i, v in enumerate([3.0, 1.0, 2.0]):
        wandb.log({"loss": v, "acc": i, "val/acc": v * 10})
    assert wandb.summary["acc"] == 2
    assert wandb.summary["loss"] == {"min": 1.0, "max": 3.0, "mean": 2.0}
    assert wandb.summary["val/acc"] == {"max": 30.0}
    wandb.summary["best"] = 0.99
    run.finish()
    s = wandb.Api().run(run.id).summary
    assert s["best"] == 0.99 and s["loss"]["min"] == 1.0 and s["acc"] == 2
    with pytest.raises(ValueError, match="unknown summary"):
        wandb.init().define_metric("x", summary="median")


def test_resume_modes(store):
    run = wandb.init(id="myrun01", project="r", config={"a": 1})
    for i in range(3):
        wandb.log({"x": i})
    run.finish()
    with pytest.raises(UsageError, match="already exists"):
        wandb.init(id="myrun01", project="r")
    with pytest.raises(UsageError, match="resume='never'"):
        wandb.init(id="myrun01", project="r", resume="never")
    with pytest.raises(UsageError, match="no run with that id"):
        wandb.init(id="unknown1", project="r", resume="must")
    again = wandb.init(id="myrun01", project="r", resume="must", config={"b": 2})
    assert again.step == 3 and again.resumed
    wandb.log({"x": 3})
    again.finish()
    r = wandb.Api().run("r/myrun01")
    assert list(r.history()["x"]) == [0, 1, 2, 3]
    assert r.config == {"a": 1, "b": 2}
    fresh = wandb.init(id="newone01", project="r", resume="allow")
    assert fresh.step == 0 and not fresh.resumed


def test_invalid_init_arguments(store):
    with pytest.raises(UsageError, match="resume"):
        wandb.init(resume="sometimes")
    with pytest.raises(UsageError, match="tags"):
        wandb.init(tags="notalist")
    with pytest.raises(UsageError, match="unknown argument"):
        wandb.init(projet="typo")
    with pytest.raises(ValueError, match="project name"):
        wandb.init(project="a/b")


def test_stop_request_ends_run_as_stopped(store):
    run = wandb.init()
    wandb.log({"a": 1})
    wandb.Api().run(run.id).request_stop()          # what the sidebar's Stop does
    deadline = time.time() + 3
    with pytest.raises(RunStopped):
        while time.time() < deadline:
            wandb.log({"a": 2})
            time.sleep(0.01)
    assert run.state == "stopped" and wandb.run is None
    r = wandb.Api().run(run.id)
    assert r.state == "stopped" and len(r.history()) >= 2


def test_data_durable_within_a_second_while_running(store):
    run = wandb.init()
    for i in range(100):
        wandb.log({"x": i})
    time.sleep(1.0)
    df = wandb.Api().run(run.id).history()   # another reader, while the run is live
    assert len(df) == 100
    assert wandb.Api().run(run.id).state == "running"


def test_nonstandard_mapping_and_numpy_small_array(store):
    run = wandb.init()
    from collections import OrderedDict
    wandb.log(OrderedDict(a=1))
    wandb.log({"v": np.arange(3)})
    run.finish()
    rows = list(wandb.Api().run(run.id).scan_history())
    assert rows[0]["a"] == 1 and rows[1]["v"] == [0, 1, 2]


def test_config_yaml_is_rewritten_only_when_the_config_changes(store):
    """Summary-only saves (every 2 s while logging) skip config.yaml: its YAML costs ~15 ms for
    transformers' ~150-key config (benchmarks/bench_integrations.py, flusher share)."""
    import yaml
    run = wandb.init(project="cfg", config={"lr": 0.1, "n": 1}, settings={"monitor_interval": None,
                                                                          "capture_output": False})
    run._save_meta(force=True)
    path = run.dir / "config.yaml"
    first = path.stat().st_ino
    for i in range(3):
        run.log({"loss": 1.0 / (i + 1)})
        run.summary["best"] = i
        run._save_meta()
    assert path.stat().st_ino == first  # atomic_write replaces the file: a new inode on every write
    assert (run.dir / "summary.json").read_text().count('"best": 2') == 1
    run.config.update({"lr": 0.2})
    run._save_meta()
    assert path.stat().st_ino != first
    assert yaml.safe_load(path.read_text())["lr"] == {"value": 0.2}
    run.finish()
    assert yaml.safe_load(path.read_text()) == {"lr": {"value": 0.2}, "n": {"value": 1}}
