"""The catalog's summary of a running run follows its log() calls (saved every catalog_interval)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import py_tracker as wandb

REPO = Path(__file__).resolve().parents[2]

READ = """
import sys, py_tracker as wandb
r = wandb.Api().run(sys.argv[1])
print(r.state, r.summary.get("loss"))
"""


def _seen_elsewhere(store: Path, run_id: str) -> list[str]:
    env = dict(os.environ, PY_TRACKER_DIR=str(store), PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", READ, run_id], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    return out.stdout.split()


def test_a_running_runs_summary_is_saved_while_it_logs(store):
    run = wandb.init(project="live", settings={"catalog_interval": 0.2})
    wandb.log({"loss": 1.0})
    deadline = time.monotonic() + 10
    while _seen_elsewhere(store, run.id) != ["running", "1.0"]:
        assert time.monotonic() < deadline, "the first summary never reached the catalog"
        time.sleep(0.2)
    wandb.log({"loss": 0.5})                  # after the first save: only log() can mark it changed
    deadline = time.monotonic() + 10
    while (seen := _seen_elsewhere(store, run.id)) != ["running", "0.5"]:
        assert time.monotonic() < deadline, f"the catalog still shows {seen} while the run logs 0.5"
        time.sleep(0.2)
    run.finish()
