"""Hyperparameter sweeps: the W&B sweep format, search strategies, hyperband, sweep()/agent().

`sweep(config, project=...)` -> id; `agent(id, function=train, count=N)`;
`Api().sweep("project/id")` -> `SweepHandle` (state, runs, best_run, stop/pause/resume).
The format is in shared/spec/sweep-config.md; our extension is a top-level `seed`.

The package is `sweeps` so that W&B's function `py_tracker.sweep(config, project=...)`
(re-exported by the root package from `sweeps.api`) never shares its name with a module:
importing `py_tracker.sweeps.*` binds `py_tracker.sweeps`, leaving `py_tracker.sweep`
the function.
"""
from __future__ import annotations

from typing import Any

from .config import SweepConfigError, parse_config

__all__ = ["SweepConfigError", "parse_config", "sweep", "agent", "controller", "SweepHandle"]


def __getattr__(name: str) -> Any:
    # sweep()/agent() pull in the core tracker; keep `import py_tracker.sweeps.config` light.
    if name in ("sweep", "agent", "controller", "Agent"):
        from . import api as _api
        return getattr(_api, name)
    if name == "SweepHandle":
        from .handle import SweepHandle
        return SweepHandle
    raise AttributeError(f"module 'py_tracker.sweeps' has no attribute {name!r}")
