"""`run.log_code()`: the run's source files as a "code" artifact (W&B's name and file filter)."""
from __future__ import annotations

import inspect
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable

from .artifact import Artifact
from .usage import run_log_artifact

SKIP_DIRS = {".git", "wandb", ".py_tracker", "__pycache__", ".ipynb_checkpoints", ".venv", "node_modules"}


def _default_include(path: str, root: str) -> bool:
    name = os.path.basename(path)
    return path.endswith(".py") or name in ("requirements.txt", "Dockerfile")


def _call(fn: Callable[..., bool], path: str, root: str) -> bool:
    try:
        n = len(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        n = 2
    return bool(fn(path, root) if n >= 2 else fn(path))


def run_log_code(run: Any, root: str | None = ".", name: str | None = None,
                 include_fn: Callable[..., bool] = _default_include,
                 exclude_fn: Callable[..., bool] | None = None) -> Artifact | None:
    """Log the files under `root` that `include_fn(path[, root])` accepts and `exclude_fn` does
    not, as artifact "source-<project>-<program>" of type "code"; None (with a warning) if none."""
    from ..term import termwarn
    argv0 = sys.argv[0] if sys.argv else ""
    program = "notebook" if not argv0 or "ipykernel" in argv0 else Path(argv0).name
    art = Artifact(name or re.sub(r"[^a-zA-Z0-9_\-.]", "_", f"source-{run.project}-{program}")[:128], "code")
    added = 0
    if root is not None:
        base = os.path.abspath(root)
        store = os.path.realpath(str(run.root))  # the store itself is never code (W&B skips wandb/)
        for dirpath, dirs, files in os.walk(base):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS
                       and os.path.realpath(os.path.join(dirpath, d)) != store]
            for f in sorted(files):
                p = os.path.join(dirpath, f)
                if _call(include_fn, p, base) and not (exclude_fn is not None and _call(exclude_fn, p, base)):
                    art.add_file(p, name=os.path.relpath(p, base))
                    added += 1
    if not added:
        termwarn("No relevant files were detected in the specified directory. No code will be logged to your run.")
        return None
    return run_log_artifact(run, art)
