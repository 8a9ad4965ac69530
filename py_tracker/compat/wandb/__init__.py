"""py_tracker under W&B's module name: what `import wandb` gives with the shim on.

Every name not defined here is read from `py_tracker` at access time (so
`wandb.run`, `wandb.config` and `wandb.summary` follow the active run). Defined
here: what W&B has and py_tracker's own namespace does not (`termwarn`,
`require`, `Error`, `util`, `env`, the submodules integrations import), and
`init`, whose `dir` keeps W&B's meaning (see `init`).
"""
from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import py_tracker as _pt

from ..aliasing import WANDB_VERSION
from .errors import Error
from py_tracker.term import termerror, termlog, termwarn

__version__ = WANDB_VERSION
__py_tracker__ = True

_SUBMODULES = {"errors", "util", "env", "sdk", "wandb_run", "integration"}


def init(*args: Any, dir: str | os.PathLike[str] | None = None, **kwargs: Any) -> Any:
    """`py_tracker.init` with W&B's meaning of `dir`.

    In W&B `dir` is where a run keeps its local files (Lightning passes
    `save_dir`, "." by default). Runs must land in the store the user reads
    (PY_TRACKER_DIR or ~/.py_tracker), so `dir` only chooses the store when it
    already is one (it holds a catalog.json); otherwise it is ignored.
    """
    store = None
    if dir is not None and (Path(dir).expanduser() / "catalog.json").is_file():
        store = dir
    return _pt.init(*args, dir=store, **kwargs)


def require(requirement: str | None = None) -> None:
    """W&B feature flags ("service", "core"...): nothing to switch on here."""
    return None


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"{__name__}.{name}")
    try:
        return getattr(_pt, name)
    except AttributeError:
        raise AttributeError(f"module 'wandb' (py_tracker) has no attribute {name!r}; "
                             f"py_tracker does not provide it yet") from None


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(dir(_pt)) | _SUBMODULES)
