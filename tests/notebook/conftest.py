"""Shared fixtures for notebook tests: a temporary store and quiet run settings."""
from __future__ import annotations

from pathlib import Path

import pytest

from py_tracker.core import session

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False,
         "flush_interval": 0.05}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "store"
    monkeypatch.setenv("PY_TRACKER_DIR", str(root))
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "0")
    monkeypatch.setenv("PY_TRACKER_CAPTURE_OUTPUT", "0")
    monkeypatch.setenv("PY_TRACKER_SAVE_CODE", "0")
    monkeypatch.setenv("PY_TRACKER_FLUSH_INTERVAL", "0.05")
    yield root
    run = session.active_run()
    if run is not None:
        run.finish()


def wait_for(pred, timeout: float = 5.0, step: float = 0.02) -> bool:
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()
