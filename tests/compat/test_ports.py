"""Ports of W&B's own example notebooks and scripts (tests/compat/ports, `import py_tracker as
wandb` as their only change), run as a user runs them: notebooks in a real kernel (nbclient),
scripts as subprocesses. A reader then checks in the store that what they logged is there."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import py_tracker as pt

REPO = Path(__file__).resolve().parents[2]
PORTS = Path(__file__).parent / "ports"


def _env(store: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env.update(PYTHONPATH=str(REPO), PY_TRACKER_DIR=str(store), PY_TRACKER_MONITOR_INTERVAL="0")
    return env


def _notebook(name: str, store: Path, cwd: Path) -> str:
    """Execute a port in a real kernel; returns its printed output."""
    nb = nbformat.read(PORTS / name, as_version=4)
    old = dict(os.environ)
    os.environ.update(_env(store))
    try:
        NotebookClient(nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def _script(name: str, store: Path, cwd: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(PORTS / name), *args], cwd=cwd, env=_env(store),
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def _marker(out: str, tag: str) -> list[str]:
    return next(ln.split()[1:] for ln in out.splitlines() if ln.startswith(tag + " "))


def test_run_quickstart_notebook(tmp_path):
    store = tmp_path / "store"
    out = _notebook("run_quickstart.ipynb", store, tmp_path)
    run_id, state = _marker(out, "RUN")
    assert state == "finished"  # the `with` block finished it
    run = pt.Api(store).run(f"my-awesome-project/{run_id}")
    assert run.config == {"epochs": 10, "lr": 0.01}
    hist = run.history()
    assert len(hist) == 8 and list(hist["_step"]) == list(range(8))
    assert run.summary["accuracy"] == pytest.approx(hist["accuracy"].iloc[-1])
    printed = [float(ln.split("loss=")[1]) for ln in out.splitlines() if ln.startswith("epoch=")]
    assert hist["loss"].tolist() == pytest.approx(printed)


def test_pytorch_intro_notebook(tmp_path):
    store = tmp_path / "store"
    out = _notebook("pytorch_intro.ipynb", store, tmp_path)
    train_id, eval_id = _marker(out, "RUNS")
    api = pt.Api(store)
    train, ev = api.run(f"pytorch-intro/{train_id}"), api.run(f"pytorch-intro/{eval_id}")
    assert train.config == {"learning_rate": 0.01, "batch_size": 16, "epochs": 2}
    assert train.job_type == "train" and ev.job_type == "eval"
    hist = train.history()
    assert hist.dropna(subset=["train/loss"]).shape[0] == 4  # 12 iterations, every 3rd from the 1st
    assert train.summary["train/losses"]["_type"] == "histogram"
    tables = hist.dropna(subset=["train/predictions"])["train/predictions"].tolist()
    assert len(tables) == 2 and all(t["_type"] == "table-file" for t in tables)
    table = json.loads(train.file(tables[0]["path"]).read_text())
    assert table["columns"] == ["image", "label", "prediction"] and len(table["data"]) == 4
    image = table["data"][0][0]
    assert image["_type"] == "image-file" and train.file(image["path"]).download(tmp_path / "img").stat().st_size > 0
    assert any(k.startswith("parameters/") for k in train.summary)  # watch(log="all")
    art = api.artifact("pytorch-intro/fashion-cnn:v0")
    assert art.type == "model" and [f.name for f in art.files()] == ["model.pth"]
    assert art.metadata == {"learning_rate": 0.01, "batch_size": 16, "epochs": 2}
    assert art.logged_by().id == train_id and [r.id for r in art.used_by()] == [eval_id]
    assert 0.0 <= ev.summary["eval/accuracy"] <= 1.0


def test_group_and_resume_workers(tmp_path):
    store = tmp_path / "store"
    for worker in (0, 1):
        _script("group_and_resume_train.py", store, tmp_path, "--group_id", "exp-1", "--worker_index", str(worker))
    runs = pt.Api(store).runs()
    assert len(runs) == 2 and {r.group for r in runs} == {"exp-1"} and {r.job_type for r in runs} == {"train"}
    assert sorted(r.config["worker_index"] for r in runs) == [0, 1]
    for r in runs:
        assert r.config["learning_rate"] == 0.9 and r.config["momentum"] == 0.8
        assert r.config["job_type"] == "training" and r.config["group_id"] == "exp-1"
        hist = r.history()
        assert hist["epoch"].tolist() == list(range(50)) and {"loss", "train/acc"} <= set(hist.columns)
        assert r.state == "finished"


def test_sweep_walkthrough(tmp_path):
    store = tmp_path / "store"
    out = _script("sweep_walkthrough.py", store, tmp_path)
    (sweep_id,) = _marker(out, "SWEEP")
    api = pt.Api(store)
    runs = api.runs("my-first-sweep")
    assert len(runs) == 6 and {r.sweep_id for r in runs} == {sweep_id}
    grid = sorted((r.config["x"], r.config["y"]) for r in runs)
    assert grid == [(x, y) for x in (0.5, 1.0, 2.0) for y in (1, 3)]
    for r in runs:
        assert r.summary["score"] == pytest.approx(r.config["x"] ** 3 + r.config["y"])
    best = api.sweep(sweep_id).best_run()
    assert (best.config["x"], best.config["y"]) == (0.5, 1)


def test_the_w_and_b_import_line_itself_through_the_installed_shim(tmp_path):
    """The same port with W&B's own `import wandb` line, run with `py-tracker wandb install`'s
    package first on the path (the real wandb is installed further down): it records into
    py_tracker just the same."""
    from py_tracker.cli import main
    shim = tmp_path / "site"
    assert main(["wandb", "install", "--target", str(shim)]) == 0
    source = (PORTS / "sweep_walkthrough.py").read_text()
    assert source.count("import py_tracker as wandb\n") == 1
    script = tmp_path / "sweep_walkthrough.py"
    script.write_text(source.replace("import py_tracker as wandb\n", "import wandb\n"))
    store = tmp_path / "store"
    env = _env(store)
    env["PYTHONPATH"] = os.pathsep.join([str(shim), str(REPO)])
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (sweep_id,) = _marker(proc.stdout, "SWEEP")
    runs = pt.Api(store).runs("my-first-sweep")
    assert len(runs) == 6 and {r.sweep_id for r in runs} == {sweep_id}
    assert all(r.summary["score"] == pytest.approx(r.config["x"] ** 3 + r.config["y"]) for r in runs)
