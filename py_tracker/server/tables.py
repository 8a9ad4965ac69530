"""Logged `wandb.Table`s of one run, as the sidebar's run view shows them (its Tables tab).

The run's summary holds the newest value of each key; a Table is a ``table-file`` value (one
carrying a ``"chart"`` spec is a custom chart and is answered by `py_tracker.server.charts`
instead). Each table file is read through the store's `Confinement` (a path leading out of the
store, by `..` or a symlink, is refused and reported on that table, not followed), so a table
that cannot be read is still listed, with its `error`: nothing logged disappears without a word.

Cells are sent as stored: an image cell stays its ``image-file`` dict, whose ``path`` (relative
to the run's files folder) the TS fetches through the confined, authenticated files endpoint
``runs/<id>/files/<path>``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..media.chart import chart_of
from ..media.table import Table
from ..storage.paths import Confinement
from .charts import table_or_error

MAX_ROWS = 1_000  # rows sent per table; `truncated` and `rows` tell the view how many were left out


def table_docs(summary: Any, files_dir: Path, confine: Confinement) -> list[dict[str, Any]]:
    """One document per logged Table in `summary` (sorted by key):
    ``{"key", "columns", "data", "rows", "truncated", "error"}``; `data` holds at most MAX_ROWS
    rows, `rows` is the table's full row count (0 when it could not be read)."""
    if not isinstance(summary, dict):
        return []
    docs = []
    for key, value in summary.items():
        if not (isinstance(value, dict) and value.get("_type") == Table._type) or chart_of(value) is not None:
            continue
        doc: dict[str, Any] = {"key": str(key), "columns": [], "data": [], "rows": 0, "truncated": False,
                               "error": None}
        columns, data, doc["error"] = table_or_error(files_dir, value, confine)
        if doc["error"] is None:
            doc["columns"], doc["data"], doc["rows"] = columns, data[:MAX_ROWS], len(data)
            doc["truncated"] = len(data) > MAX_ROWS
        docs.append(doc)
    docs.sort(key=lambda d: d["key"])
    return docs
