"""Custom charts (`wandb.plot.*`) of one run, as the sidebar's run view draws them.

A chart is stored as a table-file history value carrying its spec under "chart" (see
`py_tracker.media.chart`); the run's summary holds the newest value of each chart key. This
module answers, per chart key, the spec (type, title, field names) and the table's columns
and rows, read from the run's files folder through the store's `Confinement` (a table path
leading out of the store, by `..` or a symlink, is refused and reported on that chart, not
followed). A chart whose table cannot be read is still listed, with its `error`, so nothing
the run logged disappears from the view without a word.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from ..errors import PathEscapeError
from ..media.chart import chart_of
from ..storage.paths import Confinement, safe_join

MAX_ROWS = 10_000  # W&B's Table.MAX_ROWS: a chart's table is never longer when logged by wandb.plot
MAX_TABLE_BYTES = 32 * 1024 * 1024


def chart_docs(summary: Any, files_dir: Path, confine: Confinement) -> list[dict[str, Any]]:
    """One document per custom chart in `summary` (sorted by chart key):
    ``{"key", "table_key", "spec", "title", "fields", "string_fields", "columns", "data",
    "truncated", "error"}``; `data` has at most MAX_ROWS rows (`truncated` says if more)."""
    if not isinstance(summary, dict):
        return []
    docs = []
    for table_key, value in summary.items():
        chart = chart_of(value)
        if chart is None:
            continue
        strings = {str(k): str(v) for k, v in (chart.get("string_fields") or {}).items() if v is not None}
        fields = {str(k): (None if v is None else str(v)) for k, v in (chart.get("fields") or {}).items()}
        key = str(chart.get("key") or table_key)
        doc: dict[str, Any] = {"key": key, "table_key": str(table_key), "spec": str(chart.get("spec") or ""),
                               "title": strings.get("title") or key, "fields": fields,
                               "string_fields": strings, "columns": [], "data": [], "truncated": False,
                               "error": None}
        columns, data, doc["error"] = table_or_error(files_dir, value, confine)
        if doc["error"] is None:
            doc["columns"], doc["data"] = columns, data[:MAX_ROWS]
            doc["truncated"] = len(data) > MAX_ROWS
        docs.append(doc)
    docs.sort(key=lambda d: d["key"])
    return docs


def table_or_error(files_dir: Path, value: dict, confine: Confinement) -> tuple[list[str], list[list[Any]], str | None]:
    """(columns, rows, None) of the table file a logged table `value` names, or ([], [], why)
    when it is refused (a path out of the store) or cannot be read: the caller lists it anyway.
    Shared with `py_tracker.server.tables`."""
    try:
        columns, data = read_table(files_dir, str(value.get("path") or ""), confine)
    except PathEscapeError as exc:
        return [], [], f"table file refused: {exc}"
    except (OSError, ValueError) as exc:
        return [], [], f"could not read the table file {value.get('path')!r}: {exc}"
    return columns, data, None


def read_table(files_dir: Path, rel: str, confine: Confinement) -> tuple[list[str], list[list[Any]]]:
    """(columns, rows) of a stored ``*.table.json`` inside `files_dir`, opened confined
    (PathEscapeError for a path out of the store; OSError/ValueError for a missing or damaged
    file)."""
    if not rel:
        raise ValueError("the value names no table file")
    with confine.open_read(safe_join(files_dir, rel)) as f:
        raw = f.read(MAX_TABLE_BYTES + 1)
    if len(raw) > MAX_TABLE_BYTES:
        raise ValueError(f"the table is larger than {MAX_TABLE_BYTES} bytes; open it from the Files tab")
    doc = orjson.loads(raw)
    if not isinstance(doc, dict) or not isinstance(doc.get("columns"), list) or not isinstance(doc.get("data"), list):
        raise ValueError("it is not a table (no 'columns' and 'data' lists)")
    return [str(c) for c in doc["columns"]], [r for r in doc["data"] if isinstance(r, list)]
