"""The init hooks the root package hands the session (`core.session.compose`): what every
run gets after `init()` — system monitor, output capture, environment files (`core.extras`)
— and, inside a Jupyter kernel, its live panel and W&B's `%wandb` magic (`notebook`).

They live here, above `notebook`, so no package below registers hooks as an import side
effect: the composing layer lists them once.
"""
from __future__ import annotations

import sys
from typing import Any


def system_hook(run: Any) -> None:
    """After init(): monitor, output capture, environment files (see py_tracker.core.extras)."""
    from ..core.extras import attach  # loaded by the first init(), not by `import py_tracker`
    attach(run)


def wandb_magic() -> None:
    """`%wandb` in the running IPython, as `import wandb` gives it (only if IPython is running)."""
    if "IPython" not in sys.modules:
        return
    try:
        from IPython import get_ipython
        shell = get_ipython()
        if shell is not None and "wandb" not in shell.magics_manager.magics.get("line", {}):
            from ..notebook.magic.magics import register_wandb_magic
            register_wandb_magic(shell)
    except Exception:  # a missing magic must never break import or init
        pass


def notebook_hook(run: Any) -> None:
    """After init(): show the live panel when running inside a Jupyter kernel."""
    wandb_magic()
    if not run.settings.display:
        return
    if "ipykernel" not in sys.modules:
        return
    from ..notebook.display import on_init
    on_init(run)


INIT_HOOKS = (system_hook, notebook_hook)
