"""The quickstart example and its notebook twin run top to bottom (real kernel for the notebook)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import py_tracker as wandb

REPO = Path(__file__).resolve().parents[2]


def test_quickstart_script(store):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, str(REPO / "examples" / "quickstart.py")], env=env,
                         capture_output=True, text=True, timeout=300, cwd=str(store.parent))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "5 runs in project 'digits'" in res.stdout
    runs = wandb.Api().runs("digits")
    assert len(runs) == 5 and all(r.state == "finished" for r in runs)
    assert all(r.summary["final_val_accuracy"] > 0.8 for r in runs)
    assert sum(1 for r in runs if r.sweep_id) == 4


def test_quickstart_notebook(store):
    nb = nbformat.read(REPO / "examples" / "quickstart.ipynb", as_version=4)
    env_py = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{REPO}{os.pathsep}{env_py}" if env_py else str(REPO)
    try:
        NotebookClient(nb, timeout=240, kernel_name="python3",
                       resources={"metadata": {"path": str(store.parent)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_py
    out = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "4 runs; best" in out
    assert len(wandb.Api().runs("digits")) == 4
