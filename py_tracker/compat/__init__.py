"""Make libraries that `import wandb` themselves record into py_tracker.

Two opt-in routes, both forwarding the `wandb` module name to
`py_tracker.compat.wandb` (a package with W&B's module layout whose names
come from py_tracker):

- `as_wandb()`: for this process only (sys.modules and an import hook; also
  answers `importlib.metadata.version("wandb")`).
- `py-tracker wandb install [--target DIR] [--force]` (see `installer`): a
  three-line `wandb` package plus its dist-info in an environment, so every
  process there gets py_tracker; `py-tracker wandb uninstall` removes it.
"""
from __future__ import annotations

from .aliasing import WANDB_VERSION, as_wandb, is_shim

__all__ = ["as_wandb", "is_shim", "WANDB_VERSION"]
