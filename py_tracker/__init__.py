"""py_tracker: experiment tracking that lives inside Jupyter.

W&B's workflow (runs, config, log, summary, system load, files, artifacts,
sweeps, reports) recorded locally into TinyDB + append-only files, shown live
in the notebook. `import py_tracker as wandb` runs W&B code unchanged.

Importing this package is light: UI libraries (ipywidgets, bokeh), pandas and
numpy are imported only when a feature needs them.

This package is the top of the layers (ARCHITECTURE.md): it composes the public classes
(`facade`) into the session and re-exports the W&B names; no module of py_tracker imports
it back. Jupyter's entry points here are data (`py_tracker.entry_points`: the server
extension is named `py_tracker.server`, not imported), so importing py_tracker never
imports the server.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from . import errors
from .core.config import NoRunProxy
from .core import session as _session
from .core.session import init
from .entry_points import _jupyter_labextension_paths, _jupyter_server_extension_points
from .errors import Error, Offline, RunStopped
from .facade import hooks as _hooks
from .facade.run import DisabledRun as _DisabledRun, Run as _Run
from .settings import Settings
from .version import __version__

# The composition: init() builds the public Run (W&B's conveniences over core.Run) and runs
# the system and notebook hooks after it.
_session.compose(_Run, _DisabledRun, init_hooks=_hooks.INIT_HOOKS)
_hooks.wandb_magic()  # `import wandb` registers %wandb in a running IPython; so does this

run: Any = None
config: Any = NoRunProxy("config")
summary: Any = NoRunProxy("summary")


def log(data: dict[str, Any] | None = None, step: int | None = None, commit: bool | None = None) -> None:
    """Log metrics to the active run (see `Run.log`)."""
    _session.require_run("log").log(data, step, commit)


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


def log_model(path: Any, name: str | None = None, aliases: list[str] | None = None) -> Any:
    """`run.log_model` on the active run."""
    return _session.require_run("log_model").log_model(path, name=name, aliases=aliases)


def use_model(name: str) -> str:
    """`run.use_model` on the active run: the folder of the model artifact's files."""
    return _session.require_run("use_model").use_model(name)


def link_model(path: Any, registered_model_name: str, name: str | None = None,
               aliases: list[str] | None = None) -> Any:
    """`run.link_model` on the active run."""
    return _session.require_run("link_model").link_model(path, registered_model_name, name=name, aliases=aliases)


def alert(title: str, text: str, level: Any = None, wait_duration: Any = None) -> None:
    """`run.alert` on the active run: a notice recorded in the run, shown in its panel and sidebar."""
    _session.require_run("alert").alert(title, text, level=level, wait_duration=wait_duration)


def log_code(root: str | None = ".", name: str | None = None, include_fn: Any = None, exclude_fn: Any = None) -> Any:
    """`run.log_code` on the active run."""
    kw = {k: v for k, v in (("include_fn", include_fn), ("exclude_fn", exclude_fn)) if v is not None}
    return _session.require_run("log_code").log_code(root, name=name, **kw)


_REQUIREMENTS = ("core", "service", "legacy-service", "require")


def require(requirement: str | list[str] | None = None, experiment: Any = None) -> None:
    """W&B's feature switches ("core", "service"...): accepted, nothing to switch offline;
    an unknown one raises UnsupportedError, as W&B."""
    wanted = experiment if requirement is None else requirement
    for feature in ([wanted] if isinstance(wanted, str) else list(wanted or [])):
        name = str(feature).split("@", 1)[0].split(":", 1)[0]
        if name not in _REQUIREMENTS:
            raise errors.UnsupportedError(f"require() unsupported requirement: {feature}")


def login(key: str | None = None, relogin: bool | None = None, **kwargs: Any) -> bool:
    """Accepted for W&B compatibility: there is no account to log in to."""
    return True


def setup(settings: Any = None) -> None:
    """Accepted for W&B compatibility (no service process to start)."""
    return None


_LAZY = {
    "Api": "py_tracker.facade.api",
    "Image": "py_tracker.media",
    "Histogram": "py_tracker.media",
    "Table": "py_tracker.media",
    "Classes": "py_tracker.media",
    "Audio": "py_tracker.media",
    "Video": "py_tracker.media",
    "Html": "py_tracker.media",
    "Object3D": "py_tracker.media",
    "Molecule": "py_tracker.media",
    "JoinedTable": "py_tracker.media",
    "PartitionedTable": "py_tracker.media",
    "plot_table": "py_tracker.plot",
    "watch": "py_tracker.model",
    "unwatch": "py_tracker.model",
    "sweep": "py_tracker.sweeps.api",
    "agent": "py_tracker.sweeps.api",
    "controller": "py_tracker.sweeps.api",
    "Artifact": "py_tracker.artifacts",
    "use_artifact": "py_tracker.artifacts",
    "log_artifact": "py_tracker.artifacts",
    "report": "py_tracker.reporting",
    "AlertLevel": "py_tracker.core.alerts",
    "restore": "py_tracker.api.restore",
    "termlog": "py_tracker.term",
    "termwarn": "py_tracker.term",
    "termerror": "py_tracker.term",
    "sweep_widget": "py_tracker.notebook.sweep.control",
    # the defining module: `py_tracker.notebook.tables.runs_table` is also the name of that submodule,
    # which replaces the package's lazy attribute once imported (`%track runs` imports it)
    "runs_table": "py_tracker.notebook.tables.runs_table",
    "SystemMonitor": "py_tracker.monitor",
    "as_wandb": "py_tracker.compat",
    "import_runs": "py_tracker.importers",
}


if TYPE_CHECKING:  # the lazy names above, for type checkers and grimp (tests/test_layers.py keeps them equal)
    from py_tracker.api.restore import restore
    from py_tracker.artifacts import Artifact, log_artifact, use_artifact
    from py_tracker.compat import as_wandb
    from py_tracker.core.alerts import AlertLevel
    from py_tracker.facade.api import Api
    from py_tracker.importers import import_runs
    from py_tracker.media import (Audio, Classes, Histogram, Html, Image, JoinedTable, Molecule, Object3D,
                                  PartitionedTable, Table, Video)
    from py_tracker.model import unwatch, watch
    from py_tracker.monitor import SystemMonitor
    from py_tracker.notebook.tables.runs_table import runs_table
    from py_tracker.notebook.sweep.control import sweep_widget
    from py_tracker.plot import plot_table
    from py_tracker.reporting import report
    from py_tracker.sweeps.api import agent, controller, sweep
    from py_tracker.term import termerror, termlog, termwarn

_SUBMODULES = ("plot", "data_types", "util")

# W&B names that need its cloud: a clear UnsupportedError when used, never an AttributeError.
_OFFLINE = {
    "launch": "run the training function yourself, or a sweep: py_tracker.sweep() + py_tracker.agent()",
    "launch_add": "run the job yourself, or queue trials with py_tracker.agent()",
    "reports": "write an HTML report with py_tracker.report(...) (or %track report)",
    "apis": "read runs with py_tracker.Api() (runs, history, artifacts, sweeps)",
    "teams": "there are no teams offline; share the store folder (PY_TRACKER_DIR)",
    "sync": "runs are already on disk in the store; nothing to sync",
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return import_module(f"py_tracker.{name}")
    if name in _OFFLINE and _OFFLINE[name]:
        return Offline(f"wandb.{name}", _OFFLINE[name])
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'py_tracker' has no attribute {name!r}")
    value = getattr(import_module(mod), name)
    globals()[name] = value
    return value


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext py_tracker`: registers the %track / %%track magics."""
    from .notebook.magic.magics import load_ipython_extension as _load
    _load(ipython)


__all__ = ["init", "log", "finish", "config", "summary", "run", "define_metric", "save", "login",
           "log_model", "use_model", "link_model", "alert", "log_code", "require", "Error",
           "Settings", "errors", "RunStopped", *_LAZY]
