"""Reports: one self-contained HTML file about runs, a project or a sweep (opens offline).

    py_tracker.report("my-project", title="Week 12", sections=["## Notes\\n*markdown* here"],
                      path="report.html")

Charts are Bokeh with BokehJS inlined; config/summary tables highlight what
differs; each run has a "reproduce" block (config, code, git commit, packages).
See `builder.report` for every option.

The package is `py_tracker.reporting`, so importing it never hides the function
`py_tracker.report` (no callable-module trick).
"""
from __future__ import annotations

from .builder import report
from .markdown import render as render_markdown

__all__ = ["report", "render_markdown"]
