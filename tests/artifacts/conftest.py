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


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    (d / "train.csv").write_text("x,y\n1,2\n")
    (d / "sub" / "labels.txt").write_text("a\nb\n")
    return d
