"""Shared fixtures: a temporary store and real runs recording into it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import py_tracker as pt
from py_tracker.core import session

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def new_run(root: Path):
    """new_run(**init_kwargs) -> a live Run in the temporary store; all finished at teardown."""
    runs: list[Any] = []

    def make(**kw: Any) -> Any:
        kw.setdefault("project", "p")
        run = pt.init(dir=root, settings=QUIET, reinit="create_new", **kw)
        runs.append(run)
        return run
    yield make
    for r in runs:
        r.finish()
    session._active = None


def _logged(run: Any, steps: int = 200, offset: float = 0.0) -> Any:
    """Log a loss/acc curve and two system samples; finish the run."""
    import math
    for s in range(steps):
        run.log({"loss": math.exp(-s / 50) + offset, "acc": 1 - math.exp(-s / 70), "nested": {"m": s % 7}})
    run._log_system({"system.cpu": 10.0 + offset, "system.memory_percent": 40.0})
    run._log_system({"system.cpu": 12.0 + offset, "system.memory_percent": 41.0})
    run.finish()
    return run


@pytest.fixture
def logged():
    """logged(run, steps=200, offset=0.0): log curves + system samples into `run`, finish it."""
    return _logged
