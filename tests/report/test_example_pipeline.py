"""examples/artifacts_and_report.py runs top to bottom: dataset → training → model → eval → report."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import py_tracker as pt

REPO = Path(__file__).resolve().parents[2]


def test_example_runs_end_to_end(tmp_path: Path) -> None:
    store = tmp_path / "store"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PY_TRACKER_MONITOR_INTERVAL": "0"}
    out = subprocess.run([sys.executable, str(REPO / "examples" / "artifacts_and_report.py"), "--dir", str(store)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "evaluate-best uses digits-clf:v" in out.stdout and "prepare-digits logged digits:v0" in out.stdout
    report = tmp_path / "store-report.html"
    assert report.is_file() and 'data-key="val/acc"' in report.read_text()
    api = pt.Api(store)
    best = api.artifact("digits-artifacts/digits-clf:best")
    assert [r.job_type for r in best.used_by()] == ["eval"]
    assert best.logged_by().job_type == "train"
    assert len(api.artifact("digits-artifacts/digits:v0").used_by()) == 5
