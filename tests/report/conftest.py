"""Shared fixtures: a temporary store and real runs recording into it."""
from __future__ import annotations

from typing import Any

import pytest


# `root` and `new_run` come from tests/conftest.py


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
