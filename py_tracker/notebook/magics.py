"""`%track` and `%%track`: the notebook-native way to track runs (`%load_ext py_tracker`).

    %%track [--project P] [--name N] [--group G] [--job-type J] [--config EXPR] [--id NAME]
    %track show [RUN] | runs [PROJECT] [--filter EXPR] | compare RUN RUN... | system
    %track stop [RUN] | status | report ... | sweep ...

Each sub-command is a plain function (`cmd_show(argv, shell)`...) so it can be
tested without a kernel; IPython is imported only in `load_ipython_extension`.
Mistakes raise IPython's `UsageError` saying what to type instead.
"""
from __future__ import annotations

import argparse
import importlib.util
import shlex
import sys
import traceback
from typing import Any, Callable

TRAINING_CELLS: dict[str, str] = {}  # --id NAME -> cell source, for the sweep widget

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


def _usage_error(msg: str) -> Exception:
    try:
        from IPython.core.error import UsageError
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebook extra
        from ..errors import UsageError  # type: ignore[assignment]
    return UsageError(msg)


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (with the usage line) instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _usage_error(f"{message}\nusage: {self.format_usage().removeprefix('usage: ').strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise _usage_error(message or self.format_help())


def _parser(prog: str, description: str) -> _Parser:
    p = _Parser(prog=prog, description=description, add_help=False)
    p.add_argument("--dir", default=None, help="store root (default PY_TRACKER_DIR or ~/.py_tracker)")
    return p


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise _usage_error(f"cannot parse {line!r}: {exc} (check the quotes)") from None


def _join_config(argv: list[str]) -> list[str]:
    """`--config dict(lr=0.1, epochs=5)` unquoted: the expression runs to the next option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        out.append(tok)
        i += 1
        if tok in ("--config", "-c"):
            expr = []
            while i < len(argv) and not (argv[i].startswith("-") and argv[i].lstrip("-")[:1].isalpha()):
                expr.append(argv[i])
                i += 1
            out.append(" ".join(expr))
    return out


def _api(root: str | None) -> Any:
    from ..api import Api
    from ..core import session
    active = session.active_run()
    if root is None and active is not None and not getattr(active, "disabled", False):
        root = getattr(active, "root", None)
    return Api(root)


def _display(obj: Any) -> None:
    from IPython.display import display
    display(obj)


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
    import py_tracker as pt
    from ..errors import RunStopped
    from . import display as disp
    args = cell_parser().parse_args(_join_config(_split(line)))
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
        TRAINING_CELLS[args.cell_id] = cell
    with disp.suppress_auto_display():
        run = pt.init(project=args.project, name=args.name, group=args.group, job_type=args.job_type,
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
            run.finish(state="stopped")
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


# --- %track sub-commands --------------------------------------------------------------------------
def cmd_show(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track show", "Show the live panel of a run.")
    p.add_argument("run", nargs="?", default=None)
    a = p.parse_args(argv)
    from .display import show_run
    try:
        run = _api(a.dir).run(a.run) if (a.run and a.dir) else a.run
        return show_run(run)
    except ValueError as exc:
        raise _usage_error(f"{exc}; e.g. %track show my-project/abcd1234") from None


def cmd_runs(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track runs", "Runs table of a project.")
    p.add_argument("project", nargs="?", default=None)
    p.add_argument("--filter", "-f", dest="filter", default=None, help="text or expression, e.g. \"lr > 0.01\"")
    a = p.parse_args(argv)
    from .runs_table import runs_table
    table = runs_table(a.project, root=_api(a.dir).root, filter=a.filter)
    _display(table)
    return table


def cmd_compare(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track compare", "Compare runs: overlaid charts, config diff, parallel coordinates.")
    p.add_argument("runs", nargs="+")
    a = p.parse_args(argv)
    if len(a.runs) < 2:
        raise _usage_error("compare needs at least two runs: %track compare RUN_ID RUN_ID ...")
    from .compare import compare
    api = _api(a.dir)
    try:
        runs = [api.run(r) for r in a.runs]
    except ValueError as exc:
        raise _usage_error(f"{exc}; list run ids with %track runs") from None
    panel = compare(runs)
    _display(panel)
    return panel


def cmd_system(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track system", "Live system-load panel (CPU, memory, GPU) without a run.")
    p.add_argument("--interval", type=float, default=1.0)
    a = p.parse_args(argv)
    from .display import ensure_bokeh
    from .system_panel import system_panel
    ensure_bokeh()
    panel = system_panel(interval=a.interval)
    _display(panel)
    return panel


def cmd_stop(argv: list[str], shell: Any = None) -> str:
    p = _parser("%track stop", "Ask a run to stop (its next log() ends it as 'stopped').")
    p.add_argument("run", nargs="?", default=None)
    a = p.parse_args(argv)
    from ..core import session
    active = session.active_run()
    if a.run is None or (active is not None and a.run in (active.id, getattr(active, "path", None))):
        if active is None:
            raise _usage_error("no active run to stop; give one: %track stop <project/run_id>")
        active.request_stop()
        return f"asked run {active.name} ({active.id}) to stop"
    try:
        run = _api(a.dir).run(a.run)
    except ValueError as exc:
        raise _usage_error(str(exc)) from None
    run.request_stop()
    return f"asked run {run.name} ({run.id}) to stop"


def cmd_status(argv: list[str], shell: Any = None) -> str:
    p = _parser("%track status", "The active run and the runs still running.")
    a = p.parse_args(argv)
    from ..core import session
    active = session.active_run()
    lines = []
    if active is None:
        lines.append("no active run (start one with %%track or py_tracker.init())")
    else:
        lines.append(f"active run: {active.name} ({getattr(active, 'path', active.id)}), state "
                     f"{active.state}, step {active.step}")
    try:
        running = [r for r in _api(a.dir).runs(filters={"state": "running"})]
    except Exception:
        running = []
    for r in running:
        if active is None or r.id != active.id:
            lines.append(f"running: {r.name} ({r.path}) step {max(0, r.last_step + 1)}")
    return "\n".join(lines)


def cmd_report(argv: list[str], shell: Any = None) -> Any:
    if importlib.util.find_spec("py_tracker.report") is None:
        raise _usage_error("reports are not available in this installation of py_tracker "
                           "(py_tracker.report is missing)")
    from .. import report as report_mod
    fn = getattr(report_mod, "report", None)
    if fn is None:
        raise _usage_error("reports are not available: py_tracker.report has no report() function")
    return fn(*argv)


def cmd_sweep(argv: list[str], shell: Any = None, line: str = "") -> Any:
    if importlib.util.find_spec("py_tracker.notebook.sweep_widget") is None:
        raise _usage_error("sweep widget not available yet; run sweeps with py_tracker.sweep() and "
                           "py_tracker.agent() meanwhile")
    from .sweep_widget import sweep_magic
    return sweep_magic(line, shell)


COMMANDS: dict[str, Callable[..., Any]] = {
    "show": cmd_show, "runs": cmd_runs, "compare": cmd_compare, "system": cmd_system,
    "stop": cmd_stop, "status": cmd_status, "report": cmd_report, "sweep": cmd_sweep,
}


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


def unload_ipython_extension(ipython: Any) -> None:  # pragma: no cover - IPython keeps magics
    pass
