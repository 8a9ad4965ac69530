"""py_tracker: experiment tracking that lives inside Jupyter.

W&B's workflow (runs, config, log, summary, system load, files, artifacts,
sweeps, reports) recorded locally into TinyDB + append-only files, shown live
in the notebook. `import py_tracker as wandb` runs W&B code unchanged.

Importing this package is light: UI libraries (ipywidgets, bokeh), pandas and
numpy are imported only when a feature needs them.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from . import errors
from .core.config import NoRunProxy
from .core import session as _session
from .core.session import init
from .errors import RunStopped
from .settings import Settings

__version__ = "0.1.0"

run: Any = None
config: Any = NoRunProxy("config")
summary: Any = NoRunProxy("summary")


def log(data: dict[str, Any], step: int | None = None, commit: bool | None = None) -> None:
    """Log metrics to the active run (see `Run.log`)."""
    r = _session._active
    if r is None:
        r = _session.require_run("log")
    r.log(data, step, commit)


def finish(exit_code: int | None = None, quiet: bool | None = None) -> None:
    """Finish the active run; does nothing when there is none (as W&B)."""
    from .core.session import active_run
    r = active_run()
    if r is not None:
        r.finish(exit_code=exit_code)


def define_metric(name: str, step_metric: str | None = None, summary: str | None = None,
                  goal: str | None = None, hidden: bool = False, **kwargs: Any) -> Any:
    """Set summary statistics / x-axis / goal of a metric of the active run."""
    from .core.session import require_run
    return require_run("define_metric").define_metric(name, step_metric=step_metric, summary=summary,
                                                      goal=goal, hidden=hidden, **kwargs)


def save(glob_str: str, base_path: str | None = None, policy: str = "live") -> list[str]:
    """Copy files matching `glob_str` into the active run's files."""
    from .core.session import require_run
    return require_run("save").save(glob_str, base_path=base_path, policy=policy)


def login(key: str | None = None, relogin: bool | None = None, **kwargs: Any) -> bool:
    """Accepted for W&B compatibility: there is no account to log in to."""
    return True


def setup(settings: Any = None) -> None:
    """Accepted for W&B compatibility (no service process to start)."""
    return None


_LAZY = {
    "Api": "py_tracker.api",
    "Image": "py_tracker.media",
    "Histogram": "py_tracker.media",
    "Table": "py_tracker.media",
    "watch": "py_tracker.model",
    "unwatch": "py_tracker.model",
    "sweep": "py_tracker.sweep",
    "agent": "py_tracker.sweep",
    "controller": "py_tracker.sweep",
    "Artifact": "py_tracker.artifacts",
    "use_artifact": "py_tracker.artifacts",
    "log_artifact": "py_tracker.artifacts",
    "report": "py_tracker.report",
    "sweep_widget": "py_tracker.notebook.sweep_widget",
    # the defining module: `py_tracker.notebook.runs_table` is also the name of that submodule,
    # which replaces the package's lazy attribute once imported (`%track runs` imports it)
    "runs_table": "py_tracker.notebook.runs_table",
    "SystemMonitor": "py_tracker.monitor",
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'py_tracker' has no attribute {name!r}")
    value = getattr(import_module(mod), name)
    globals()[name] = value
    return value


def _notebook_hook(run: Any) -> None:
    """After init(): show the live panel when running inside a Jupyter kernel."""
    if not run.settings.display:
        return
    import sys
    if "ipykernel" not in sys.modules:
        return
    try:
        from .notebook.display import on_init
    except ImportError:
        return
    on_init(run)


def _system_hook(run: Any) -> None:
    """After init(): monitor, output capture, environment files (see py_tracker.core.extras)."""
    from .core.extras import attach
    attach(run)


_session.add_init_hook(_system_hook)
_session.add_init_hook(_notebook_hook)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext py_tracker`: registers the %track / %%track magics."""
    from .notebook.magics import load_ipython_extension as _load
    _load(ipython)


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    from .server import _jupyter_labextension_paths as paths
    return paths()


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "py_tracker.server"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from .server import _load_jupyter_server_extension as load
    load(server_app)


__all__ = ["init", "log", "finish", "config", "summary", "run", "define_metric", "save", "login",
           "Settings", "errors", "RunStopped", *_LAZY]
