"""`py-tracker` on the command line (a real subprocess for the entry point, main() for the rest)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

import py_tracker as wandb
from py_tracker.cli import main

REPO = Path(__file__).resolve().parents[1]


def _make_run(project="cli", **kw):
    run = wandb.init(project=project, config={"lr": 0.1}, **kw)
    for i in range(5):
        wandb.log({"loss": 1.0 / (i + 1)})
    run.finish()
    return run


def test_runs_show_export_rm(store, capsys, tmp_path):
    run = _make_run()
    assert main(["runs"]) == 0
    out = capsys.readouterr().out
    assert run.id in out and "finished" in out and "loss=0.2" in out
    assert main(["show", f"cli/{run.id}"]) == 0
    out = capsys.readouterr().out
    assert "lr: 0.1" in out and "summary" in out
    for fmt in ("csv", "json", "parquet"):
        dest = tmp_path / f"h.{fmt}"
        assert main(["export", run.id, "--format", fmt, "-o", str(dest)]) == 0
    assert list(pd.read_csv(tmp_path / "h.csv")["loss"])[-1] == 0.2
    assert len(pd.read_parquet(tmp_path / "h.parquet")) == 5
    assert len((tmp_path / "h.json").read_text().splitlines()) == 5
    assert "wrote 5 rows" in capsys.readouterr().out
    assert main(["runs", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == run.id
    assert main(["rm", "--yes", run.id]) == 0
    assert wandb.Api().runs("cli") == []


def test_unknown_run_is_a_clear_error(store, capsys):
    _make_run()
    assert main(["show", "nope1234"]) == 2
    assert "no run 'nope1234'" in capsys.readouterr().err


def test_console_script_entry_point_in_another_process(store):
    run = _make_run()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-m", "py_tracker.cli", "runs", "cli"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and run.id in res.stdout
    res = subprocess.run([sys.executable, "-m", "py_tracker.cli", "doctor"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and "healthy" in res.stdout
