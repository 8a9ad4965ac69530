"""The `%track` sub-commands as plain functions `cmd_<name>(argv, shell)` (testable without a
kernel): show, runs, compare, system, stop, status, report, sweep."""
from __future__ import annotations

from typing import Any, Callable

from ...storage.records import RunState
from .magic_args import _api, _display, _parser, _usage_error


def cmd_show(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track show", "Show the live panel of a run.")
    p.add_argument("run", nargs="?", default=None)
    a = p.parse_args(argv)
    from ..display import show_run
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
    from ..tables.runs_table import runs_table
    table = runs_table(a.project, root=_api(a.dir).root, filter=a.filter)
    _display(table)
    return table


def cmd_compare(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track compare", "Compare runs: overlaid charts, config diff, parallel coordinates.")
    p.add_argument("runs", nargs="+")
    a = p.parse_args(argv)
    if len(a.runs) < 2:
        raise _usage_error("compare needs at least two runs: %track compare RUN_ID RUN_ID ...")
    from ..tables.compare import compare
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
    from ..display import ensure_bokeh
    from ..live.system_panel import system_panel
    ensure_bokeh()
    panel = system_panel(interval=a.interval)
    _display(panel)
    return panel


def cmd_stop(argv: list[str], shell: Any = None) -> str:
    p = _parser("%track stop", "Ask a run to stop (its next log() ends it as 'stopped').")
    p.add_argument("run", nargs="?", default=None)
    a = p.parse_args(argv)
    from ...core import session
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
    from ...core import session
    active = session.active_run()
    lines = []
    if active is None:
        lines.append("no active run (start one with %%track or py_tracker.init())")
    else:
        lines.append(f"active run: {active.name} ({getattr(active, 'path', active.id)}), state "
                     f"{active.state}, step {active.step}")
    try:
        running = [r for r in _api(a.dir).runs(filters={"state": RunState.RUNNING.value})]
    except Exception:
        running = []
    for r in running:
        if active is None or r.id != active.id:
            lines.append(f"running: {r.name} ({r.path}) step {max(0, r.last_step + 1)}")
    return "\n".join(lines)


def cmd_report(argv: list[str], shell: Any = None) -> Any:
    p = _parser("%track report", "Write a self-contained HTML report of runs, a project or a sweep.")
    p.add_argument("target", nargs="*", help="a project name, or run ids / project/id paths")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--sweep", default=None, help="report a sweep (id or project/id) instead")
    p.add_argument("--title", default=None)
    p.add_argument("--metrics", default=None, help="comma-separated keys or globs, e.g. 'val/*,loss'")
    a = p.parse_args(argv)
    from ...reporting import report as make_report
    if a.sweep and a.target:
        raise _usage_error("give either a target or --sweep, e.g. %track report my-project -o r.html")
    if not a.sweep and not a.target:
        raise _usage_error("what should the report show? e.g. %track report my-project -o report.html")
    if a.sweep:
        kw: dict[str, Any] = {"sweep": a.sweep}
    elif len(a.target) == 1 and "/" not in a.target[0] and _is_project(a.target[0], a.dir):
        kw = {"project": a.target[0]}
    else:
        kw = {"runs": list(a.target)}
    metrics = [m.strip() for m in a.metrics.split(",")] if a.metrics else None
    try:
        path = make_report(title=a.title, path=a.output, metrics=metrics, root=a.dir, **kw)
    except (ValueError, KeyError) as exc:
        raise _usage_error(str(exc)) from None
    print(f"report written to {path}")
    return path


def _is_project(name: str, root: str | None) -> bool:
    return any(p["name"] == name for p in _api(root).projects())


def cmd_sweep(argv: list[str], shell: Any = None, line: str = "") -> Any:
    from ..sweep.control import sweep_magic
    return sweep_magic(line, shell)


COMMANDS: dict[str, Callable[..., Any]] = {
    "show": cmd_show, "runs": cmd_runs, "compare": cmd_compare, "system": cmd_system,
    "stop": cmd_stop, "status": cmd_status, "report": cmd_report, "sweep": cmd_sweep,
}
