"""accelerate, Lightning and Keras 3 (torch backend) through the installed shim: each run's rows,
config, summary and model artifacts in the store, and the run in the server's runs list."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import py_tracker as pt

from .conftest import SCRIPTS, model_artifacts, script_env

pytestmark = pytest.mark.slow


async def test_accelerate_init_trackers_log_end_training(run_script, store_root, sidebar_run):
    run_id = run_script("accelerate_loop.py")
    run = pt.Api(store_root).run(f"accel-proj/{run_id}")
    assert run.name == "accel-tiny" and run.tags == ["accelerate"]
    assert run.state == "finished"  # end_training() finished it
    assert run.config == {"lr": 0.05, "epochs": 3, "hidden": 8}
    hist = run.history()
    assert hist["_step"].tolist() == list(range(12))  # accelerator.log(step=...) kept as the step
    assert hist["epoch"].tolist() == [0] * 4 + [1] * 4 + [2] * 4
    assert run.summary["train_loss"] == pytest.approx(hist["train_loss"].iloc[-1])
    row = await sidebar_run(run_id, "accel-proj", "train_loss")
    assert row["series"]["x"] == list(range(12)) and row["detail"]["config"]["hidden"] == 8


async def test_lightning_wandb_logger(run_script, store_root, tmp_path, sidebar_run):
    run_id = run_script("lightning_fit.py")
    work = tmp_path / "work"
    # save_dir "." (the default): no store in the working folder, the run is in the user's store
    assert not (work / "catalog.json").exists() and not (work / "runs").exists()
    api = pt.Api(store_root)
    run = api.run(f"lightning-proj/{run_id}")
    assert run.name == "lit-tiny" and run.state == "finished"
    assert run.config == {"batch_size": 8, "note": "tiny", "hidden": 8, "lr": 0.05}  # log_hyperparams
    hist = run.history()
    train = hist.dropna(subset=["train_loss"])
    assert train["trainer/global_step"].tolist() == [1, 3, 5, 7, 9, 11, 13, 15]  # log_every_n_steps=2
    val = hist.dropna(subset=["val_loss"])
    assert val["trainer/global_step"].tolist() == [7, 15] and val["epoch"].tolist() == [0, 1]
    assert run.summary["custom/after_fit"] == 1.5  # log_metrics
    assert run.summary["val_loss"] == pytest.approx(val["val_loss"].iloc[-1])
    # watch(log="all", log_freq=2): the module tree and gradient + parameter histograms
    tree = json.loads(run.file("model.json").read_text())
    assert tree["models"][0]["watch"]["log"] == "all"
    for key in ("gradients/net.0.weight", "parameters/net.0.weight"):
        assert run.summary[key]["_type"] == "histogram", key
    # log_model=True: the best checkpoint at the end, as a model artifact
    (art,) = model_artifacts(api, "lightning-proj")
    assert art.name == f"model-{run_id}:v0" and sorted(art.aliases) == ["best", "latest"]
    assert [f.name for f in art.files()] == ["model.ckpt"]
    assert art.metadata["original_filename"] == "epoch=1-step=16.ckpt"
    import torch
    ckpt = torch.load(art.download(tmp_path / "dl") / "model.ckpt", weights_only=False)
    assert ckpt["global_step"] == 16
    row = await sidebar_run(run_id, "lightning-proj", "val_loss")
    assert row["state"] == "finished" and len(row["series"]["y"]) == 2


async def test_keras_metrics_logger_and_model_checkpoint(run_script, store_root, tmp_path, sidebar_run):
    run_id = run_script("keras_fit.py", str(tmp_path / "ckpt"))
    api = pt.Api(store_root)
    run = api.run(f"keras-proj/{run_id}")
    assert run.state == "finished" and run.config == {"epochs": 3, "units": 8}
    hist = run.history()
    batches = hist.dropna(subset=["batch/loss"])
    assert batches["batch/batch_step"].tolist() == [0, 2, 4, 6, 8, 10]  # log_freq=2, 3 batches per epoch
    epochs = hist.dropna(subset=["epoch/loss"])
    assert epochs["epoch/epoch"].tolist() == [0, 1, 2]
    assert set(epochs.columns) >= {"epoch/accuracy", "epoch/val_loss", "epoch/val_accuracy", "epoch/learning_rate"}
    assert epochs["epoch/learning_rate"].tolist() == pytest.approx([0.01] * 3)
    assert run.summary["epoch/val_loss"] == pytest.approx(epochs["epoch/val_loss"].iloc[-1])
    arts = model_artifacts(api, "keras-proj")
    assert [a.name for a in arts] == [f"run_{run_id}_model:v{i}" for i in range(3)]
    assert [a.aliases for a in arts] == [["epoch_0"], ["epoch_1"], ["epoch_2", "latest"]]
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    model = keras.models.load_model(arts[-1].download(tmp_path / "dl") / "model.keras")
    assert model.count_params() == 4 * 8 + 8 + 8 + 1
    row = await sidebar_run(run_id, "keras-proj", "epoch/val_loss")
    assert len(row["series"]["y"]) == 3


def test_keras_callbacks_before_init_name_the_fix(shim, store_root, tmp_path):
    code = ("import wandb\nfrom wandb.integration.keras import WandbMetricsLogger, WandbModelCheckpoint\n"
            "for cb in (lambda: WandbMetricsLogger(), lambda: WandbModelCheckpoint('m.keras'),\n"
            "           lambda: (wandb.init(project='k'), WandbMetricsLogger(log_freq=0))):\n"
            "    try:\n        cb()\n    except wandb.Error as e:\n        print('ERR', type(e).__name__, e)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=script_env(shim, store_root),
                          capture_output=True, text=True, timeout=120)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("ERR")]
    assert lines[0] == "ERR NoActiveRunError You must call wandb.init() (py_tracker.init()) before WandbMetricsLogger()"
    assert lines[1].endswith("before WandbModelCheckpoint()")
    assert "log_freq=0" in lines[2] and "'epoch', 'batch' or a positive int" in lines[2], proc.stderr[-2000:]
