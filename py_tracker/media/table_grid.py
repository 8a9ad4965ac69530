"""A logged `wandb.Table` as an HTML table: sorted, filtered, capped, every cell escaped.

Shared by the run panel (`notebook.table_view`, which re-renders on its sort/filter widgets)
and reports (`report.builder`, which sorts and filters in the page with a few lines of
nonce'd JS). Reads the stored ``.table.json`` as written by `Table.to_json`: image cells stay
their ``image-file`` dicts and are drawn as ``<img src="data:...">`` from their PNG, read
through `resolve` (so a path that leaves the run's folder, symlinks included, is refused).
"""
from __future__ import annotations

import base64
import math
from html import escape
from pathlib import Path
from typing import Any

import orjson

from .base import resolve

MAX_SHOWN = 500  # rows drawn at most; the note under the table says how many were left out
MAX_IMAGE_BYTES = 2 << 20  # bigger image cells show their path instead of the picture


class TableGrid:
    """The rows of one stored table, with `html()` to draw a sorted/filtered slice of them.

    Contract: `TableGrid.read(doc, files_dir)` raises OSError/ValueError for a missing or
    damaged file (callers show that instead of the table); `html()` never raises for odd cell
    values, and escapes every string that came from the user (names, cells, captions)."""

    def __init__(self, columns: list[str], rows: list[list[Any]], files_dir: Path):
        self.columns = [str(c) for c in columns]
        self.rows = rows
        self.files_dir = Path(files_dir)
        self._images: dict[str, str] = {}  # path -> drawn cell: re-sorting reads no file twice

    @classmethod
    def read(cls, doc: dict[str, Any], files_dir: Path) -> TableGrid:
        body = orjson.loads(resolve(Path(files_dir), doc).read_bytes())
        if not isinstance(body, dict) or "columns" not in body or "data" not in body:
            raise ValueError(f"{doc.get('path')!r} is not a table file (no 'columns'/'data')")
        return cls(list(body["columns"]), [list(r) for r in body["data"]], files_dir)

    # --- ordering and filtering ---------------------------------------------------------
    def select(self, sort: str | None = None, descending: bool = False, query: str = "") -> list[list[Any]]:
        """The rows whose text contains `query` (any cell, case-insensitive), sorted by column
        `sort`: numbers by value, then text; empty cells last either way."""
        rows = self.rows
        q = query.strip().lower()
        if q:
            rows = [r for r in rows if any(q in cell_text(c).lower() for c in r)]
        if sort in self.columns:
            i = self.columns.index(sort)
            present = [r for r in rows if i < len(r) and _sort_key(r[i]) is not None]
            empty = [r for r in rows if not (i < len(r) and _sort_key(r[i]) is not None)]
            present.sort(key=lambda r: _sort_key(r[i]), reverse=descending)
            rows = present + empty
        return rows

    def html(self, sort: str | None = None, descending: bool = False, query: str = "",
             max_rows: int = MAX_SHOWN, table_id: str = "") -> str:
        rows = self.select(sort, descending, query)
        shown = rows[:max_rows]
        arrow = {True: " ▼", False: " ▲"}
        head = "".join(
            f'<th data-col="{i}">{escape(c)}{arrow[descending] if c == sort else ""}</th>'
            for i, c in enumerate(self.columns))
        body = []
        for r in shown:
            cells = []
            for c in r:
                sk = _sort_key(c)
                attr = "" if sk is None else f' data-sort="{escape(str(sk[1]), quote=True)}"' + (
                    ' data-num="1"' if sk[0] == 0 else "")
                cells.append(f"<td{attr}>{self._cell(c)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        ident = f' id="{escape(table_id, quote=True)}"' if table_id else ""
        note = f"{len(self.rows)} rows"
        if query.strip():
            note = f"{len(rows)} of {len(self.rows)} rows match {query.strip()!r}"
        if len(rows) > len(shown):
            note += f"; showing the first {len(shown)}"
        return (f'<table class="py-tracker-table"{ident}><thead><tr>{head}</tr></thead>'
                f'<tbody>{"".join(body)}</tbody></table><div class="py-tracker-table-note">{escape(note)}</div>')

    def _cell(self, value: Any) -> str:
        if isinstance(value, dict) and value.get("_type") == "image-file":
            cache_key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
            if cache_key not in self._images:
                self._images[cache_key] = self._image(value)
            return self._images[cache_key]
        return escape(cell_text(value))

    def _image(self, value: dict[str, Any]) -> str:
        """An image cell as an inline <img> (its caption under it), or why it cannot be shown."""
        caption = value.get("caption")
        try:
            path = resolve(self.files_dir, value)
            size = path.stat().st_size
            if size > MAX_IMAGE_BYTES:
                return f"<code>{escape(str(value.get('path')))}</code>"
            data = base64.b64encode(path.read_bytes()).decode()
        except (OSError, ValueError) as exc:
            return f"<i>image not readable: {escape(str(exc))}</i>"
        fmt = str(value.get("format") or "png").lower()
        mime = "jpeg" if fmt in ("jpg", "jpeg") else fmt if fmt.isalnum() else "png"
        alt = escape(str(caption) if caption is not None else "image", quote=True)
        img = f'<img src="data:image/{mime};base64,{data}" alt="{alt}" style="max-width:96px;max-height:96px">'
        return img + (f"<br><small>{escape(str(caption))}</small>" if caption is not None else "")


def cell_text(value: Any) -> str:
    """A cell as text: what the filter matches and what is shown for non-image cells."""
    if value is None:
        return ""
    if isinstance(value, dict) and value.get("_type") == "image-file":
        return str(value.get("caption") or "")
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return orjson.dumps(value).decode()
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any] | None:
    """(0, number) or (1, text); None for empty cells, which sort last."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return (0, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    text = cell_text(value)
    return (1, text.lower()) if text else None
