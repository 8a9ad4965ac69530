"""Inputs made with the real libraries (in subprocesses), shared by the importer tests."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def make(script: str, *args: str, env: dict | None = None, timeout: int = 300) -> None:
    full = dict(os.environ, **(env or {}))
    proc = subprocess.run([sys.executable, str(HERE / script), *args], env=full, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="session")
def wandb_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wandb-src")
    make("make_wandb.py", str(out), env={"WANDB_MODE": "offline", "WANDB_DIR": str(out)})
    return out


@pytest.fixture(scope="session")
def wandb_typed_dir(tmp_path_factory) -> Path:
    """The same runs written with `x_history_value_encoding="json,typed"` (each history value
    also in the typed fields of W&B's HistoryItem)."""
    out = tmp_path_factory.mktemp("wandb-typed-src")
    make("make_wandb.py", str(out), "json,typed", env={"WANDB_MODE": "offline", "WANDB_DIR": str(out)})
    return out


@pytest.fixture(scope="session")
def tb_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("tb-src")
    make("make_tensorboard.py", str(base / "logs"))
    return base


@pytest.fixture(autouse=True)
def _keep_sys_modules_wandb():
    """Reading W&B logs imports the real wandb: take it out again so no other test sees it."""
    before = {k for k in sys.modules if k == "wandb" or k.startswith("wandb.")}
    yield
    for k in [k for k in sys.modules if (k == "wandb" or k.startswith("wandb.")) and k not in before]:
        del sys.modules[k]
