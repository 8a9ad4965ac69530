"""Fixtures for the server extension tests: a Jupyter server (pytest-jupyter) with
py_tracker enabled and pointed at a temporary store that real runs were written to."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pytest_jupyter.jupyter_server import *  # noqa: F401,F403  (jp_fetch, jp_serverapp, hooks)

import py_tracker as pt

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    root = tmp_path / "store"
    root.mkdir()
    return root


@pytest.fixture
def jp_server_config(store_root: Path) -> dict:  # overrides pytest-jupyter's
    return {"ServerApp": {"jpserver_extensions": {"py_tracker": True}},
            "PyTracker": {"root_dir": str(store_root)}}


def _make_run(root: Path, project: str, name: str, steps: int = 20, exit_code: int | None = 0, **kw: Any):
    """A real run written by the tracker; finished with `exit_code` unless exit_code is None."""
    run = pt.init(dir=root, project=project, name=name, settings=QUIET, reinit="create_new", **kw)
    for i in range(steps):
        run.log({"loss": 1.0 / (i + 1), "acc": i / max(1, steps)})
    if exit_code is not None:
        run.finish(exit_code=exit_code)
    return run


@pytest.fixture
def make_run():
    """make_run(root, project, name, steps=20, exit_code=0, **init_kwargs) -> Run."""
    yield _make_run


@pytest.fixture
def runs(store_root: Path) -> dict[str, Any]:
    """alpha/a1 finished, alpha/a2 failed, beta/b1 finished."""
    a1 = _make_run(store_root, "alpha", "a1", config={"lr": 0.1, "arch": "resnet"}, group="g1", tags=["base"])
    a2 = _make_run(store_root, "alpha", "a2", exit_code=1, config={"lr": 0.01}, group="g2", tags=["exp"])
    b1 = _make_run(store_root, "beta", "b1", steps=5)
    yield {"a1": a1, "a2": a2, "b1": b1}


@pytest.fixture
def get_json(jp_fetch):
    """await get_json("runs", id, project="p") -> decoded body of a 200 answer."""
    async def get(*parts: str, **params: Any) -> Any:
        response = await jp_fetch("py-tracker", "api", "v1", *parts, params=params or None)
        assert response.code == 200
        return json.loads(response.body)
    return get
