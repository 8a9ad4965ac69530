"""Reports: one self-contained HTML file about runs, a project or a sweep (opens offline).

    py_tracker.report("my-project", title="Week 12", sections=["## Notes\\n*markdown* here"],
                      path="report.html")

Charts are Bokeh with BokehJS inlined; config/summary tables highlight what
differs; each run has a "reproduce" block (config, code, git commit, packages).
See `builder.report` for every option.

The package shares its name with the function: once `py_tracker.report` has been
imported as a module, `py_tracker.report` may be the module rather than the
function, so the module itself is callable and does the same thing.
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .builder import report
from .markdown import render as render_markdown

__all__ = ["report", "render_markdown"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
