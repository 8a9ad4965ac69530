"""Shared fixtures: a temporary store and real runs recording into it."""
from __future__ import annotations

from pathlib import Path

import pytest


# `root` and `new_run` come from tests/conftest.py


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    (d / "sub").mkdir(parents=True)
    (d / "train.csv").write_text("x,y\n1,2\n")
    (d / "sub" / "labels.txt").write_text("a\nb\n")
    return d
