"""`%wandb` (W&B's line magic): show a run, a project or a sweep under the cell, as W&B's
iframe does, here with py_tracker's own panels.

    %wandb                                  the active run's live panel
    %wandb [entity/]project/runs/RUN_ID     a run (also "project/RUN_ID" or "RUN_ID")
    %wandb [entity/]project                 the project's runs table
    %wandb [entity/]project/sweeps/SWEEP_ID the sweep's runs table
    -h HEIGHT                               panel height in pixels (W&B's option)
"""
from __future__ import annotations

from typing import Any

from .magic_args import _parser, _split, _usage_error


def _args(line: str) -> Any:
    p = _parser("%wandb", "Show a run, project or sweep panel (W&B's %wandb).")
    p.add_argument("path", nargs="?", default=None)
    p.add_argument("-h", "--height", type=int, default=None, help="height in pixels")
    return p.parse_args(_split(line))


def wandb_line(line: str, shell: Any = None) -> Any:
    """Display what `%wandb <path>` names and return its panel/table."""
    from IPython.display import display
    from ...api import Api
    from ...core import session
    from ...sweeps.handle import SweepHandle
    from ..display import show_run
    from ..tables.runs_table import runs_table
    args = _args(line)
    active = session.active_run()
    root = active.root if active is not None else None
    if args.path is None:
        if active is None:
            raise _usage_error("%wandb: no active run; call wandb.init() first or give a path: "
                               "%wandb project/runs/RUN_ID")
        return show_run(active, height=args.height)
    parts = [p for p in args.path.strip("/").split("/") if p]
    if "sweeps" in parts[:-1]:
        i = parts.index("sweeps")
        handle = SweepHandle.load(Api(root), f"{parts[i - 1]}/{parts[i + 1]}" if i else parts[i + 1])
        table = runs_table(handle.project, root=root, filter=f"id in {[r.id for r in handle.runs]!r}")
        display(table.widget)
        return table
    if "runs" in parts[:-1]:
        parts = [p for p in parts if p != "runs"]
    api = Api(root)
    if api.catalog.get("runs", parts[-1]) is not None:
        return show_run("/".join(parts[-2:]) if len(parts) >= 2 else parts[-1], height=args.height)
    project = parts[-1]
    if not any(p["name"] == project for p in api.projects()):
        raise _usage_error(f"%wandb {args.path}: no run or project of that name in {api.root}; "
                           f"list them with %track runs")
    table = runs_table(project, root=root)
    display(table.widget)
    return table
