"""Notebook front end: live run panels, runs table, compare, system panel and `%track` magics.

Imports ipywidgets/Bokeh only when one of these is used (`import py_tracker` stays light).
`RunPanel` and `LiveChart` are reusable building blocks (the sweep widget composes them).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "show_run": "py_tracker.notebook.display",
    "RunPanel": "py_tracker.notebook.live.panel",
    "LiveChart": "py_tracker.notebook.live.charts",
    "ChartBoard": "py_tracker.notebook.live.board",
    "runs_table": "py_tracker.notebook.tables.runs_table",
    "RunsTable": "py_tracker.notebook.tables.runs_table",
    "compare": "py_tracker.notebook.tables.compare",
    "ComparePanel": "py_tracker.notebook.tables.compare",
    "system_panel": "py_tracker.notebook.live.system_panel",
    "SystemPanel": "py_tracker.notebook.live.system_panel",
    "sweep_widget": "py_tracker.notebook.sweep.control",
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'py_tracker.notebook' has no attribute {name!r}")
    value = getattr(import_module(mod), name)
    globals()[name] = value
    return value


__all__ = list(_LAZY)
