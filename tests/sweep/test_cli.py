"""`py-tracker agent SWEEP_ID -- python train.py` and `py-tracker sweep CONFIG.yaml`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import py_tracker as pt
from py_tracker.cli import main
from py_tracker.sweeps import sweep
from py_tracker.sweeps.runners import expand_command

REPO = Path(__file__).resolve().parents[2]

TRAIN = """
import sys
import py_tracker as wandb   # a script written for W&B
run = wandb.init(project="ignored", config={"lr": 0.0, "depth": 0})
wandb.summary["argv"] = " ".join(sys.argv[1:])
wandb.log({"loss": wandb.config.lr * wandb.config.depth})
if wandb.config.depth == 3:
    raise SystemExit(3)
"""


def test_terminal_agent_runs_a_script_per_trial(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    cfg = tmp_path / "sweep.yaml"
    cfg.write_text("method: grid\nmetric: {name: loss}\nparameters:\n"
                   "  lr: {values: [0.5]}\n  depth: {values: [2, 3]}\n")
    assert main(["sweep", str(cfg), "--project", "cli"]) == 0
    sid = pt.Api().sweeps()[0].id
    assert main(["agent", sid, "--count", "5", "--", sys.executable, str(script)]) == 0
    runs = pt.Api().sweep(sid).runs
    assert [r.config["depth"] for r in runs] == [2, 3] and all(r.project == "cli" for r in runs)
    assert runs[0].summary["argv"] == "--depth=2 --lr=0.5"
    assert runs[0].summary["loss"] == 1.0 and runs[0].state == "finished"
    assert runs[1].state == "failed"  # exit status 3


def test_terminal_agent_bad_input(store, capsys):
    assert main(["agent", "nope", "--", "python", "x.py"]) == 2
    assert "no sweep" in capsys.readouterr().err
    sid = sweep({"method": "random", "parameters": {"x": {"value": 1}}})
    assert main(["agent", sid]) == 2
    assert "no command" in capsys.readouterr().err
    assert main(["agent", sid, "--count", "0", "--", "python"]) == 2


def test_command_macros():
    cfg = {"a": 1, "b": [1, 2], "c": {"k": True}}
    assert expand_command(None, "train.py", cfg)[-4:] == [
        "train.py", "--a=1", "--b=[1, 2]", '--c={"k": true}']
    assert expand_command(["${interpreter}", "t.py", "${args_no_hyphens}"], None, {"a": 1}) == [
        sys.executable, "t.py", "a=1"]
    assert expand_command(["x", "${args_json}"], None, {"a": 1}) == ["x", '{"a": 1}']


def test_agent_without_function_runs_the_program(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    sid = sweep({"method": "grid", "program": str(script),
                 "parameters": {"lr": {"value": 1.0}, "depth": {"values": [2]}}}, project="prog")
    assert pt.sweep is not None
    from py_tracker.sweeps import agent
    assert agent(sid) == 1
    run = pt.Api().sweep(sid).runs[0]
    assert run.summary["loss"] == 2.0 and os.path.basename(sys.executable)
