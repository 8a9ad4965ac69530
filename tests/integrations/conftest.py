"""Fixtures for the integration tests: the shim installed with `py-tracker wandb install
--target` into a temp folder put FIRST on a subprocess's PYTHONPATH (the real wandb is also
installed in the test venv, further down the path), a store the scripts write to, and a real
Jupyter server (pytest-jupyter) reading that store, to check the sidebar's runs list."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pytest_jupyter.jupyter_server import *  # noqa: F401,F403  (jp_fetch, jp_serverapp, hooks)

from py_tracker.cli import main

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = Path(__file__).parent / "scripts"


@pytest.fixture(scope="session")
def shim(tmp_path_factory) -> Path:
    """A folder holding py_tracker's `wandb` package, installed by the real CLI."""
    target = tmp_path_factory.mktemp("shim") / "site"
    assert main(["wandb", "install", "--target", str(target)]) == 0
    return target


@pytest.fixture
def store_root(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def jp_server_config(store_root: Path) -> dict:  # overrides pytest-jupyter's
    store_root.mkdir(exist_ok=True)
    return {"ServerApp": {"jpserver_extensions": {"py_tracker": True}},
            "PyTracker": {"root_dir": str(store_root)}}


def script_env(shim: Path, store: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's process: shim first on the path, the user's store in
    PY_TRACKER_DIR, no W&B variables unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WANDB_")}
    env["PYTHONPATH"] = os.pathsep.join([str(shim), str(REPO)])
    env["PY_TRACKER_DIR"] = str(store)
    env["PY_TRACKER_MONITOR_INTERVAL"] = "0"
    env.setdefault("KERAS_BACKEND", "torch")
    env["TOKENIZERS_PARALLELISM"] = "false"
    env["HF_HUB_OFFLINE"] = "1"
    env.update(extra)
    return env


@pytest.fixture
def run_script(shim: Path, store_root: Path, tmp_path: Path):
    """run_script("hf_trainer.py", *args, WANDB_X="...") -> the run id it printed.
    Runs in a fresh working folder (tmp_path/"work") with the shim first on PYTHONPATH."""
    def run(name: str, *args: str, timeout: float = 240, **env: str) -> str:
        work = tmp_path / "work"
        work.mkdir(exist_ok=True)
        proc = subprocess.run([sys.executable, str(SCRIPTS / name), *args], cwd=work, capture_output=True,
                              text=True, timeout=timeout, env=script_env(shim, store_root, **env))
        assert proc.returncode == 0, f"{name} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RUN ")]
        assert lines, f"{name} printed no run id:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return lines[-1].split()[1]
    return run


@pytest.fixture
def sidebar_run(jp_fetch):
    """await sidebar_run(run_id, project, key) -> the run's row in the server's runs list (what the
    sidebar shows), with "detail" (GET runs/<id>: config, summary...) and "series" (the panel's
    chart data of `key`, GET runs/<id>/history)."""
    async def get(run_id: str, project: str, key: str) -> dict:
        api = ("py-tracker", "api", "v1")
        listed = json.loads((await jp_fetch(*api, "runs", params={"project": project})).body)
        rows = {r["id"]: r for r in listed["runs"]}
        assert run_id in rows, f"run {run_id} not in the server's runs list: {sorted(rows)}"
        detail = json.loads((await jp_fetch(*api, "runs", run_id)).body)
        series = json.loads((await jp_fetch(*api, "runs", run_id, "history", params={"keys": key})).body)
        return {**rows[run_id], "detail": detail["run"], "files": detail["files"], "series": series["series"][key]}
    return get


def model_artifacts(api: Any, project: str) -> list:
    """Every version of every "model" artifact of a project, oldest first."""
    arts = api.artifacts(project, type="model")
    return sorted(arts, key=lambda a: (a.base_name, int(str(a.version).lstrip("v"))))
