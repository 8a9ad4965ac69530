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


@pytest.fixture(scope="module")
def ip(ipython_shell):
    """The real IPython test shell (tests/conftest.py `ipython_shell`) as a notebook has it
    after `%load_ext py_tracker` and `import py_tracker as pt`."""
    ipython_shell.run_line_magic("load_ext", "py_tracker")
    ipython_shell.run_cell("import py_tracker as pt")
    return ipython_shell


@pytest.fixture
def widgets():
    """A list for the sweep widgets a test makes (`widgets.append(w)`); closed at its end."""
    made: list = []
    yield made
    for w in made:
        w.close()


def wait_for(pred, timeout: float = 5.0, step: float = 0.02) -> bool:
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()
