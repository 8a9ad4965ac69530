"""`%track` and `%%track`: the notebook-native way to track runs (`%load_ext py_tracker`).

    %%track [--project P] [--name N] [--group G] [--job-type J] [--config EXPR] [--id NAME]
    %track show [RUN] | runs [PROJECT] [--filter EXPR] | compare RUN RUN... | system
    %track stop [RUN] | status | report ... | sweep ...

Each sub-command is a plain function (`cmd_show(argv, shell)`...) so it can be
tested without a kernel; IPython is imported only in `load_ipython_extension`.
Mistakes raise IPython's `UsageError` saying what to type instead.
"""
from __future__ import annotations

import sys
import traceback
from typing import Any

from ...storage.records import RunState
from .commands import (COMMANDS, cmd_compare, cmd_report, cmd_runs, cmd_show, cmd_status,  # noqa: F401
                       cmd_stop, cmd_sweep, cmd_system)
from .magic_args import _parser, _Parser, _split, _usage_error, split_config_line
from .training_cells import TRAINING_CELLS  # the registry `%%track --id` writes

LINE_HELP = """%track SUBCOMMAND ...: py_tracker in the notebook.

  %track show [RUN]                    live panel of the active run, or of RUN (id or project/id)
  %track runs [PROJECT] [--filter EXPR] runs table (sort, filter, group, select → compare)
  %track compare RUN RUN ...           overlaid charts, config diff, parallel coordinates
  %track system [--interval S]         live system-load panel, no run needed
  %track stop [RUN]                    ask the active run (or RUN) to stop
  %track status                        the active run and the runs still running
  %track report ...                    build a report (py_tracker.report)
  %track sweep ...                     sweep widget
Cell magic: %%track [--project P] [--name N] [--group G] [--job-type J] [--config EXPR] [--id NAME]
Every sub-command takes --dir ROOT to read another store (default: PY_TRACKER_DIR or ~/.py_tracker).
"""


# --- %%track ---------------------------------------------------------------------------------
def cell_parser() -> _Parser:
    p = _parser("%%track", "Run the cell inside a tracked run (init before, finish after).")
    p.add_argument("--project", "-p", default=None)
    p.add_argument("--name", "-n", default=None)
    p.add_argument("--group", "-g", default=None)
    p.add_argument("--job-type", "-j", dest="job_type", default=None)
    p.add_argument("--config", "-c", default=None, help="Python expression giving a dict, e.g. \"dict(lr=0.1)\"")
    p.add_argument("--id", dest="cell_id", default=None, help="register the cell as a named training cell")
    p.add_argument("--no-display", action="store_true", help="do not show the live panel")
    return p


def track_cell(line: str, cell: str, shell: Any) -> Any:
    """`%%track`: init → panel → run the cell → finish (finished / failed / stopped)."""
    from ...core.session import init
    from ...errors import RunStopped
    from .. import display as disp
    args = cell_parser().parse_args(split_config_line(line))
    config = None
    if args.config:
        try:
            config = eval(args.config, shell.user_ns)  # the user's own expression, in their namespace
        except Exception as exc:
            raise _usage_error(f"--config {args.config!r} failed: {exc!r}; pass a Python expression that "
                               f"gives a dict, e.g. --config \"dict(lr=0.01, epochs=5)\"") from None
        if not hasattr(config, "items"):
            raise _usage_error(f"--config {args.config!r} gave a {type(config).__name__}, not a dict; "
                               f"e.g. --config \"dict(lr=0.01)\" or --config my_config")
    if args.cell_id:
        TRAINING_CELLS.register(args.cell_id, cell)
    with disp.suppress_auto_display():
        run = init(project=args.project, name=args.name, group=args.group, job_type=args.job_type,
                   config=config, dir=args.dir)
    _save_cell(run, cell, getattr(shell, "execution_count", 0))
    panel = None
    if not args.no_display and run.settings.display and disp.in_notebook():
        try:
            panel = disp.show_run(run)
        except Exception as exc:
            print(f"py_tracker: could not show the panel: {exc!r}", file=sys.stderr)
    try:
        _exec_cell(cell, shell)
    except RunStopped:
        if not run.finished:
            run.finish(state=RunState.STOPPED)
        print(f"py_tracker: run {run.name} ({run.id}) was stopped; what it logged is kept.")
    except KeyboardInterrupt:
        _record_error(run)
        run.finish(exit_code=1)
        raise
    except BaseException:
        _record_error(run)
        run.finish(exit_code=1)
        raise
    else:
        run.finish()
    finally:
        if panel is not None:
            disp.publish_snapshots()
    return None


def _exec_cell(cell: str, shell: Any) -> None:
    """Execute the cell body in the user namespace (IPython syntax such as %magics allowed)."""
    source = shell.transform_cell(cell) if hasattr(shell, "transform_cell") else cell
    filename = "<track cell>"
    compiler = getattr(shell, "compile", None)
    if compiler is not None and hasattr(compiler, "cache"):
        filename = compiler.cache(cell)
    code = compile(source, filename, "exec")
    exec(code, shell.user_ns)


def _save_cell(run: Any, cell: str, number: int) -> None:
    try:
        code_dir = run.dir / "code"
        code_dir.mkdir(parents=True, exist_ok=True)
        (code_dir / f"cell_{int(number or 0)}.py").write_text(cell)
    except OSError as exc:
        print(f"py_tracker: could not record the cell source: {exc}", file=sys.stderr)


def _record_error(run: Any) -> None:
    try:
        (run.dir / "traceback.txt").write_text(traceback.format_exc())
    except OSError:
        pass


def track_line(line: str, shell: Any) -> Any:
    """`%track SUB ...`: dispatch to a sub-command."""
    argv = _split(line)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(LINE_HELP)
        return None
    sub, rest = argv[0], argv[1:]
    fn = COMMANDS.get(sub)
    if fn is None:
        raise _usage_error(f"unknown sub-command {sub!r}; use one of: {', '.join(COMMANDS)} "
                           f"(e.g. %track runs my-project). `%track?` shows help.")
    if sub == "sweep":
        return cmd_sweep(rest, shell, line=line.strip()[len("sweep"):].strip())
    out = fn(rest, shell)
    if isinstance(out, str):
        print(out)
        return None
    return None  # widgets were displayed already; returning them would show them twice


def load_ipython_extension(ipython: Any) -> None:
    """Register %track / %%track on `ipython` (called by `%load_ext py_tracker`)."""
    from IPython.core.magic import Magics, line_cell_magic, magics_class

    @magics_class
    class TrackMagics(Magics):
        @line_cell_magic
        def track(self, line: str, cell: str | None = None) -> Any:
            if cell is None:
                return track_line(line, self.shell)
            return track_cell(line, cell, self.shell)

    TrackMagics.track.__doc__ = LINE_HELP + "\n" + cell_parser().format_help()
    ipython.register_magics(TrackMagics)
    from ..display import install_stop_handler
    install_stop_handler(ipython)
    register_wandb_magic(ipython)


def register_wandb_magic(ipython: Any) -> None:
    """`%wandb` (W&B's line magic; see `py_tracker.notebook.magic.wandb_magic`)."""
    from .wandb_magic import __doc__ as doc, wandb_line

    def wandb(line: str) -> None:
        wandb_line(line, ipython)
    wandb.__doc__ = doc
    ipython.register_magic_function(wandb, "line", "wandb")


def unload_ipython_extension(ipython: Any) -> None:  # pragma: no cover - IPython keeps magics
    pass
