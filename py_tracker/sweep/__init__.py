"""Hyperparameter sweeps: the W&B sweep format, search strategies, hyperband, sweep()/agent().

`sweep(config, project=...)` -> id; `agent(id, function=train, count=N)`;
`Api().sweep("project/id")` -> `SweepHandle` (state, runs, best_run, stop/pause/resume).
The format is in shared/spec/sweep-config.md; our extension is a top-level `seed`.

`py_tracker.sweep` is both this package and W&B's `sweep()` function: once the package is
imported, Python binds the attribute `py_tracker.sweep` to the package itself, so the
package is made callable (calling it calls `sweep()`), and `wandb.sweep(config, ...)`
works after `import py_tracker as wandb` whatever was imported first.
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .config import SweepConfigError, parse_config

__all__ = ["SweepConfigError", "parse_config", "sweep", "agent", "controller", "SweepHandle"]


def __getattr__(name: str) -> Any:
    # sweep()/agent() pull in the core tracker; keep `import py_tracker.sweep.config` light.
    if name in ("sweep", "agent", "controller", "Agent"):
        from . import api as _api
        return getattr(_api, name)
    if name == "SweepHandle":
        from .handle import SweepHandle
        return SweepHandle
    raise AttributeError(f"module 'py_tracker.sweep' has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """This package's type: `py_tracker.sweep(config, project=...)` creates a sweep."""

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        from .api import sweep as _sweep
        return _sweep(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
