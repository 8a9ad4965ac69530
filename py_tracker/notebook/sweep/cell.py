"""Running a `%%track --id NAME` training cell as one sweep trial, and the `%track sweep` magic.

`CellTrial(cell, shell, cells)` is the no-argument function the sweep agent calls per trial:
it re-reads the cell's source from the `TrainingCells` registry it is given (so an edited
and re-run training cell is picked up by the next trial), and executes it in the user namespace. The agent
has set the sweep context, so the trial's run is created the way `%%track` would create
it — by an `init()` before the body — unless the body calls `init()` itself (then that
call joins the trial). Either way `py_tracker.config` holds the trial's values.
"""
from __future__ import annotations

import argparse
import ast
import shlex
from typing import Any

from ...errors import UsageError
from ..magic.training_cells import TRAINING_CELLS, TrainingCells


def calls_init(tree: ast.AST) -> bool:
    """Whether the code calls something named `init` (`pt.init(...)`, `wandb.init(...)`, `init(...)`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", None)
            if name == "init":
                return True
    return False


class CellTrial:
    """Callable with no arguments: one execution of training cell `cell` (its newest source
    in `cells`, the kernel's registry unless another is given) in `shell`'s namespace."""

    def __init__(self, cell: str, shell: Any, cells: TrainingCells = TRAINING_CELLS):
        if shell is None or not hasattr(shell, "user_ns"):
            raise UsageError("sweep_widget(cell=...) needs an IPython shell (run it in a notebook), "
                             "or pass function=train")
        cells.source(cell)  # fail now, not at the first trial
        self.cells = cells
        self.cell = cell
        self.shell = shell

    def __call__(self) -> None:
        from ...core.session import init
        source = self.cells.source(self.cell)
        shell = self.shell
        code = shell.transform_cell(source) if hasattr(shell, "transform_cell") else source
        filename = f"<training cell {self.cell}>"
        compiler = getattr(shell, "compile", None)
        if compiler is not None and hasattr(compiler, "cache"):
            filename = compiler.cache(source)  # tracebacks show the cell's lines
        tree = ast.parse(code, filename)
        if not calls_init(tree):
            run = init(display=False)  # what %%track does; the sweep context makes it the trial's run
            try:
                (run.dir / "code").mkdir(parents=True, exist_ok=True)
                (run.dir / "code" / "training_cell.py").write_text(source)
            except OSError:
                pass
        exec(compile(tree, filename, "exec"), shell.user_ns)  # the user's own cell, in their namespace


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _usage(f"{message}\nusage: {self.format_usage().removeprefix('usage: ').strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise _usage(message or self.format_help())


def _usage(msg: str) -> Exception:
    try:
        from IPython.core.error import UsageError as IPyUsageError
        return IPyUsageError(msg)
    except ImportError:  # pragma: no cover
        return UsageError(msg)


def magic_parser() -> _Parser:
    p = _Parser(prog="%track sweep", add_help=False,
                description="Sweep control widget: each trial re-runs a `%%track --id NAME` cell.")
    p.add_argument("config", nargs="?", default=None,
                   help="a YAML file path, or the name of a variable holding the sweep config")
    p.add_argument("--resume", default=None, metavar="SWEEP_ID", help="continue this sweep instead")
    p.add_argument("--cell", default=None, help="id of the training cell (%%track --id NAME)")
    p.add_argument("--function", default=None, help="name of a no-argument function instead of a cell")
    p.add_argument("--count", type=int, default=None, help="most trials to run")
    p.add_argument("--project", "-p", default=None)
    p.add_argument("--dir", default=None, help="store root (default PY_TRACKER_DIR or ~/.py_tracker)")
    p.add_argument("--start", action="store_true", help="start at once (else press Start)")
    # taken out of the line by sweep_executor.split_magic before parsing; listed here for %track? help
    p.add_argument("--executor", default=None, help="thread (default), processes, tcp://HOST:PORT or the name "
                   "of a dask Client variable; processes/Dask need --function")
    p.add_argument("--parallel", type=int, default=1, help="trials at once (processes or Dask)")
    return p


def parse_magic(line: str, shell: Any) -> dict:
    """`%track sweep` arguments → keyword arguments of `sweep_widget()`."""
    import os
    try:
        argv = shlex.split(line)
    except ValueError as exc:
        raise _usage(f"cannot parse {line!r}: {exc} (check the quotes)") from None
    a = magic_parser().parse_args(argv)
    ns = getattr(shell, "user_ns", {}) or {}
    if a.config is None:
        if a.resume is None:
            raise _usage("%track sweep needs a CONFIG (a YAML path or a variable holding the config dict), "
                         "or --resume SWEEP_ID")
        config = None
    elif a.config in ns and not os.path.isfile(a.config):
        config = ns[a.config]
    elif os.path.isfile(os.path.expanduser(a.config)):
        config = os.path.expanduser(a.config)
    else:
        raise _usage(f"%track sweep {a.config}: no variable {a.config!r} and no file {a.config!r}; give a YAML "
                     f"path (%track sweep sweep.yaml --cell train) or a variable holding the config dict")
    if (a.cell is None) == (a.function is None):
        raise _usage("%track sweep needs exactly one of --cell ID (a `%%track --id ID` cell) or --function NAME")
    function = None
    if a.function is not None:
        function = ns.get(a.function)
        if not callable(function):
            raise _usage(f"--function {a.function}: no function of that name in the notebook")
    if a.count is not None and a.count < 1:
        raise _usage(f"--count {a.count}: give a positive number of trials")
    return {"config": config, "cell": a.cell, "function": function, "count": a.count, "project": a.project,
            "root": a.dir, "start": a.start, "sweep_id": a.resume}
