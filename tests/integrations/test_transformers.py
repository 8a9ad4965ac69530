"""transformers' Trainer(report_to="wandb") through the installed shim: rows, config, summary,
WANDB_LOG_MODEL checkpoints / final model as model artifacts, WANDB_WATCH, and the sidebar."""
from __future__ import annotations

import json

import pytest

import py_tracker as pt

from .conftest import model_artifacts

pytestmark = pytest.mark.slow


async def test_trainer_logs_rows_config_summary_and_checkpoints(run_script, store_root, tmp_path, sidebar_run):
    run_id = run_script("hf_trainer.py", str(tmp_path / "out"), WANDB_LOG_MODEL="checkpoint",
                        WANDB_PROJECT="hf-proj")
    api = pt.Api(store_root)
    run = api.run(f"hf-proj/{run_id}")
    assert run.name == "hf-tiny" and run.state == "finished"
    # config: TrainingArguments + the model config + the parameter count
    assert run.config["learning_rate"] == 1e-3 and run.config["max_steps"] == 6
    assert run.config["n_embd"] == 16 and run.config["model_type"] == "gpt2"
    assert run.config["model/num_parameters"] == 4080
    hist = run.history()
    train = hist.dropna(subset=["train/loss"])
    assert train["train/global_step"].tolist() == [2, 4, 6]
    assert hist.dropna(subset=["eval/loss"])["train/global_step"].tolist() == [3, 6]
    last = train.iloc[-1]
    assert run.summary["train/loss"] == pytest.approx(last["train/loss"])
    for key in ("train_runtime", "train_loss", "total_flos", "eval/loss"):
        assert isinstance(run.summary[key], float), key
    assert run.to_dict()["labels"] == {"code": "transformers_trainer"}
    # model artifacts: the architecture (base_model), a checkpoint per save, the final model
    arts = model_artifacts(api, "hf-proj")
    assert [a.name for a in arts] == [f"model-hf-tiny:v{i}" for i in range(4)]
    base, ck3, ck6, final = arts
    assert final.aliases == ["final_model", "latest"] and "model.safetensors" in {f.name for f in final.files()}
    assert "base_model" in base.aliases and [f.name for f in base.files()] == ["model_architecture.txt"]
    assert base.metadata["initial_model"] is True and base.metadata["num_parameters"] == 4080
    assert "checkpoint_global_step_3" in ck3.aliases and "checkpoint_global_step_6" in ck6.aliases
    names = {f.name for f in ck3.files()}
    assert {"model.safetensors", "optimizer.pt", "trainer_state.json", "config.json"} <= names
    state = json.loads((ck3.download(tmp_path / "dl") / "trainer_state.json").read_text())
    assert state["global_step"] == 3
    assert ck6.metadata["train/global_step"] == 6
    assert ck3.logged_by().id == run_id
    row = await sidebar_run(run_id, "hf-proj", "train/loss")
    assert row["name"] == "hf-tiny" and row["state"] == "finished"
    assert row["summary"]["train/global_step"] == 6
    assert row["detail"]["config"]["model/num_parameters"] == 4080
    assert row["series"]["y"] == pytest.approx(train["train/loss"].tolist())


async def test_trainer_log_model_end_and_watch(run_script, store_root, tmp_path, sidebar_run):
    run_id = run_script("hf_trainer.py", str(tmp_path / "out"), "long", WANDB_LOG_MODEL="end",
                        WANDB_WATCH="gradients")
    api = pt.Api(store_root)
    run = api.run(f"huggingface/{run_id}")  # transformers' default project
    assert run.state == "finished"
    # WANDB_WATCH=gradients: the module tree and gradient histograms every 100 steps
    tree = json.loads(run.file("model.json").read_text())
    assert tree["models"][0]["watch"]["log"] == "gradients" and tree["models"][0]["watch"]["log_freq"] == 100
    grads = [k for k in run.summary if k.startswith("gradients/")]
    assert "gradients/transformer.h.0.mlp.c_fc.weight" in grads
    assert run.summary[grads[0]]["_type"] == "histogram"
    assert run.history().dropna(subset=["train/loss"])["train/global_step"].tolist() == [25, 50, 75, 100]
    # WANDB_LOG_MODEL=end: the final model, loadable back with transformers
    arts = model_artifacts(api, "huggingface")
    assert [a.aliases for a in arts] == [["base_model"], ["final_model", "latest"]]
    final = arts[-1]
    assert final.metadata["final_model"] is True
    from transformers import GPT2LMHeadModel
    model = GPT2LMHeadModel.from_pretrained(final.download(tmp_path / "final"))
    assert model.num_parameters() == 4080
    row = await sidebar_run(run_id, "huggingface", "train/loss")
    assert row["state"] == "finished" and len(row["series"]["y"]) == 4
    assert "model.json" in {f["name"] for f in row["files"]}
