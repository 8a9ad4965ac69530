"""`runs_table(project)`: every run as a row, as in W&B's runs table.

Rows come straight from the catalog records (one read, no history files), so a
project with 1,000 runs opens in well under a second. Columns: name, state,
group, job type, created, duration, every config key and every summary metric
(with `.min`/`.max` where `define_metric` asked for them), each shown by its
plain name (`lr`, `val/acc.max`); a name that is both a config and a summary key
keeps its `config.`/`summary.` prefix.

The widget: a checkbox on every row (the checked runs feed Compare), a header
button per column (click to sort, again to reverse; missing values always last),
a filter that takes the names as shown (`val/acc.max > 0.9 and opt == 'adam'`),
pages of 25–500 rows with prev/next and "rows x–y of N", a column chooser
(media and histogram summaries start hidden), pinned columns (shown first and kept in view when
the table scrolls sideways, as W&B's; `name` starts pinned), compact rows, and grouping by
group, job type or any config key with mean [min, max] of every numeric column
in the group's header row. Only the rows of one page are widgets, so the open
time does not grow with the number of runs. Colours are JupyterLab's CSS
variables (dark theme); every user string is escaped.
"""
from __future__ import annotations

import html
import keyword
import re
import time
from typing import Any

from ...formats import flatten
from ..live.tabs import TABLE_CSS, fmt_value

BASE_COLUMNS = ["name", "state", "group", "job_type", "created", "duration"]
MAX_ROWS = 500
PAGE_SIZES = (25, 50, 100, 250, 500)
DEFAULT_PAGE_SIZE = 50
ROW_CSS = ("<style>.pyt-rt-row{display:flex;font-size:12px;line-height:20px;"
           "color:var(--jp-content-font-color1,#000)}"
           ".pyt-rt-c{flex:none;box-sizing:border-box;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;"
           "padding:2px 6px;border-bottom:1px solid var(--jp-border-color2,#ddd)}"
           ".pyt-rt-compact .pyt-rt-row{font-size:11px;line-height:14px}"
           ".pyt-rt-compact .pyt-rt-c{padding:0 4px}"
           ".pyt-rt-grp .pyt-rt-c{background:var(--jp-layout-color2,#eef);font-weight:bold}"
           ".pyt-rt-h button{font-size:12px;padding:0 6px;text-align:left;overflow:hidden;"
           "text-overflow:ellipsis;color:var(--jp-ui-font-color1,#000);"
           "background:var(--jp-layout-color2,#f4f4f4)}"
           # one scroller for header and rows (both ways): the header sticks on top, the row
           # checkboxes and the pinned columns stick on the left; boxes in between must not clip
           ".pyt-rt-grid .pyt-rt-h{position:sticky;top:0;z-index:3;background:var(--jp-layout-color0,#fff)}"
           ".pyt-rt-grid .pyt-rt-h,.pyt-rt-grid .pyt-rt-body{width:max-content;min-width:100%;overflow:visible}"
           ".pyt-rt-body .widget-hbox,.pyt-rt-body .widget-html,.pyt-rt-body .widget-html-content{overflow:visible}"
           ".pyt-rt-chk{position:sticky;left:0;z-index:2;background:var(--jp-layout-color0,#fff)}"
           ".pyt-rt-pin{position:sticky;z-index:1;background:var(--jp-layout-color0,#fff)}"
           ".pyt-rt-grp .pyt-rt-pin{background:var(--jp-layout-color2,#eef)}"
           ".pyt-rt-pin-last{box-shadow:2px 0 0 var(--jp-border-color1,#bbb)}</style>")
CHECK_WIDTH = 28  # px of the row checkbox column, left of the pinned columns


class _Attr(dict):
    """A dict whose keys are also attributes (for expressions like `config.lr > 0.01`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Default(dict):
    def __missing__(self, key: str) -> None:
        return None


def run_row(r: Any) -> dict[str, Any]:
    """One table row from an ApiRun."""
    rec = r._record
    row = {"id": r.id, "name": rec.get("name"), "state": r.state, "group": rec.get("group"),
           "job_type": rec.get("job_type"), "created": rec.get("created_at"), "duration": r.runtime,
           "tags": rec.get("tags") or []}
    row.update(flatten(rec.get("config") or {}, "config."))
    row.update(flatten(rec.get("summary") or {}, "summary."))
    return row


def column_labels(columns: list[str]) -> dict[str, str]:
    """Each column's name as shown: `config.lr` -> `lr`, `summary.val/acc.max` -> `val/acc.max`;
    the prefix stays where the plain name would clash (a config and a summary key alike, or a
    base column such as `name`)."""
    plain: dict[str, int] = {}
    for c in columns:
        p = c.split(".", 1)[1] if c.startswith(("config.", "summary.")) else c
        plain[p] = plain.get(p, 0) + 1
    out = {}
    for c in columns:
        if c.startswith(("config.", "summary.")):
            p = c.split(".", 1)[1]
            out[c] = p if plain[p] == 1 and p not in BASE_COLUMNS and p != "id" else c
        else:
            out[c] = c
    return out


_STRING = re.compile(r"""('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def rewrite_names(expr: str, names: dict[str, str]) -> str:
    """`expr` with every column name (as shown, or its internal key) replaced by a row lookup,
    so names that are not Python identifiers (`val/acc.max`, `summary.acc.max`) work in a
    filter. Text inside quotes is left alone."""
    usable = sorted((n for n in names if n and not keyword.iskeyword(n)), key=len, reverse=True)
    if not usable:
        return expr
    pattern = re.compile(r"(?<![\w./])(?:" + "|".join(re.escape(n) for n in usable) + r")(?![\w./])")
    parts = _STRING.split(expr)
    for i in range(0, len(parts), 2):  # even parts are outside string literals
        parts[i] = pattern.sub(lambda m: f"__row__[{names[m.group(0)]!r}]", parts[i])
    return "".join(parts)


def evaluate(expr: Any, row: dict) -> bool:
    """Whether `row` matches the filter expression, e.g. `lr > 0.01 and state == "finished"`.

    Names: name, state, group, job_type, duration, any config key, any summary key (config wins
    on a clash), plus `config.<key>` / `summary.<key>`. Missing names are None. (`filter_rows`
    first rewrites the names as shown, e.g. `val/acc.max`, to lookups of `__row__`.)
    """
    config = _Attr({k[7:]: v for k, v in row.items() if k.startswith("config.")})
    summary = _Attr({k[8:]: v for k, v in row.items() if k.startswith("summary.")})
    ns = _Default({**summary, **config, **{k: row.get(k) for k in BASE_COLUMNS}, "id": row.get("id"),
                   "tags": row.get("tags"), "config": config, "summary": summary, "__row__": _Default(row)})
    return bool(eval(expr, {"__builtins__": {"abs": abs, "min": min, "max": max, "len": len}}, ns))


def filter_rows(rows: list[dict], text: str | None, labels: dict[str, str] | None = None) -> list[dict]:
    """Keep rows matching `text`: a Python expression if it uses an operator (column names as
    shown in `labels`, column -> label, or internal keys), else a case-insensitive substring of
    name/id/group/job type/state/tags."""
    text = (text or "").strip()
    if not text:
        return rows
    if any(op in text for op in ("==", "!=", ">", "<", " and ", " or ", " in ", "not ")):
        names: dict[str, str] = {}
        for row in rows:
            for k in row:
                names.setdefault(k, k)
        for col, label in (labels or {}).items():
            names[label] = col
        for k in ("config", "summary", "id", "tags", "abs", "min", "max", "len", *BASE_COLUMNS):
            names.pop(k, None)  # plain identifiers evaluate() resolves itself
        source = rewrite_names(text, {n: c for n, c in names.items() if not n.isidentifier()})
        try:
            code = compile(source, "<filter>", "eval")
        except SyntaxError as exc:
            from ..magic.magic_args import _usage_error
            raise _usage_error(f"filter {text!r} is not a valid expression ({exc.msg}); "
                               f"e.g. \"lr > 0.01 and state == 'finished'\" or \"val/acc.max > 0.9\"") from None
        out = []
        for row in rows:
            try:
                if evaluate(code, row):
                    out.append(row)
            except TypeError:
                continue  # e.g. None > 0.01: the row has no such value
            except Exception as exc:
                from ..magic.magic_args import _usage_error
                raise _usage_error(f"filter {text!r} failed: {exc!r}") from None
        return out
    low = text.lower()
    return [r for r in rows if any(low in str(r.get(k) or "").lower() for k in ("name", "id", "group", "job_type", "state"))
            or any(low in str(t).lower() for t in r.get("tags") or [])]


def sort_rows(rows: list[dict], column: str, descending: bool = False) -> list[dict]:
    """Sort by any column; rows without a value go last (in both directions); numbers before text."""
    have = [r for r in rows if r.get(column) is not None]
    missing = [r for r in rows if r.get(column) is None]

    def key(r: dict) -> tuple:
        v = r[column]
        return (0, float(v), "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0.0, str(v))
    have.sort(key=key, reverse=descending)
    return have + missing


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def aggregates(rows: list[dict], columns: list[str]) -> dict[str, tuple[float, float, float]]:
    """(mean, min, max) of each column with a number in any of `rows` (config and summary)."""
    out = {}
    for c in columns:
        if not c.startswith(("config.", "summary.")):
            continue
        vals = [x for x in (_number(r.get(c)) for r in rows) if x is not None]
        if vals:
            out[c] = (sum(vals) / len(vals), min(vals), max(vals))
    return out


def group_rows(rows: list[dict], group_by: str) -> list[tuple[Any, list[dict]]]:
    """(value, rows) per value of `group_by`, groups ordered by value (runs without one last),
    rows keeping their order."""
    groups: dict[Any, list[dict]] = {}
    for r in rows:
        v = r.get(group_by)
        groups.setdefault(v if v is None or isinstance(v, (str, int, float, bool)) else str(v), []).append(r)
    keys = sort_rows([{"k": k} for k in groups], "k")
    return [(k["k"], groups[k["k"]]) for k in keys]


def is_media(value: Any) -> bool:
    """A media, table or histogram summary (a dict with `_type`): hidden from the table by default."""
    return isinstance(value, dict) and "_type" in value


def cell_text(column: str, v: Any) -> str:
    """A cell as escaped HTML."""
    if v is None:
        return ""
    if column == "created" and isinstance(v, (int, float)):
        return html.escape(time.strftime("%Y-%m-%d %H:%M", time.localtime(v)))
    if column == "duration" and isinstance(v, (int, float)):
        return html.escape(f"{v:.0f}s" if v < 120 else f"{v / 60:.1f}m")
    return fmt_value(v)


def _agg_text(a: tuple[float, float, float]) -> str:
    return f"{a[0]:.4g} [{a[1]:.4g}, {a[2]:.4g}]"


def table_html(rows: list[dict], columns: list[str], group_by: str | None = None, max_rows: int = MAX_ROWS,
               labels: dict[str, str] | None = None) -> str:
    """The table as one static escaped HTML string (what a notebook without widget state shows)."""
    labels = labels or {c: c for c in columns}
    head = "".join(f"<th>{html.escape(labels.get(c, c))}</th>" for c in columns)
    body: list[str] = []
    groups = group_rows(rows, group_by) if group_by else [(None, rows)]
    shown = 0
    for g, members in groups:
        if shown >= max_rows:
            break
        if group_by:
            agg = aggregates(members, columns)
            cells = "".join(f"<td>{html.escape(_agg_text(agg[c])) if c in agg else ''}</td>" for c in columns[1:])
            body.append(f"<tr class='pyt-group'><td><b>{html.escape(labels.get(group_by, group_by))}: "
                        f"{html.escape(str(g))}</b> ({len(members)} runs)</td>{cells}</tr>")
        for r in members:
            if shown >= max_rows:
                break
            shown += 1
            body.append("<tr>" + "".join(f"<td>{cell_text(c, r.get(c))}</td>" for c in columns) + "</tr>")
    more = f"<p><i>showing {shown} of {len(rows)} runs; filter to narrow</i></p>" if shown < len(rows) else ""
    return (TABLE_CSS + "<div style='max-height:420px;overflow:auto'><table class='pyt-t'><tr>" + head + "</tr>"
            + "".join(body) + "</table></div>" + more)


class RunsTable:
    """The runs table widget (`.widget`).

    `.rows`: the filtered, sorted rows (every page); `.page_rows`: those on the page shown;
    `.selected`: ids of the checked rows among `.rows`, in table order (what Compare takes).
    Sorting: `sort_by(column)` (what a header click does) or `.sort_column`/`.descending`.
    """

    def __init__(self, project: str | None = None, root: Any = None, filter: str | None = None,
                 page_size: int = DEFAULT_PAGE_SIZE):
        import ipywidgets as w

        from ...api import Api
        self._w = w
        self.api = Api(root)
        self.project = project
        self.all_runs = {r.id: r for r in self.api.runs(project)}
        self.all_rows = [run_row(r) for r in self.all_runs.values()]
        cols = {k for r in self.all_rows for k in r if k.startswith(("config.", "summary."))}
        self.columns = BASE_COLUMNS + sorted(c for c in cols if c.startswith("config.")) \
            + sorted(c for c in cols if c.startswith("summary."))
        self.labels = column_labels(self.columns)
        media = {k for r in self.all_rows for k, v in r.items() if v.__class__ is dict and is_media(v)}
        self.sort_column = "created"
        self.descending = True
        self.page = 0
        self.checked: set[str] = set()
        self.rows: list[dict] = []
        self.page_rows: list[dict] = []
        self._updating = False

        self.filter = w.Text(value=filter or "", placeholder="filter: text, or e.g. lr > 0.01 and val/acc.max > 0.9",
                             layout=w.Layout(width="420px"), continuous_update=False)
        group_opts = [("no grouping", ""), ("group", "group"), ("job type", "job_type")] \
            + [(self.labels[c], c) for c in self.columns if c.startswith("config.")]
        self.group = w.Dropdown(options=group_opts, value="", description="group by")
        self.page_size = w.Dropdown(options=PAGE_SIZES, value=page_size if page_size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
                                    description="rows/page", layout=w.Layout(width="170px"))
        self.compact = w.Checkbox(value=False, description="compact", indent=False, layout=w.Layout(width="90px"))
        self.column_choice = w.SelectMultiple(options=[(self.labels[c], c) for c in self.columns],
                                              value=tuple(c for c in self.columns if c not in media),
                                              rows=6, description="columns", layout=w.Layout(width="320px"))
        self.pin_choice = w.SelectMultiple(options=[(self.labels[c], c) for c in self.columns], value=("name",),
                                           rows=6, description="pin", layout=w.Layout(width="260px"),
                                           tooltip="pinned columns come first and stay in view when scrolling sideways")
        self.prev_button = w.Button(description="prev", icon="chevron-left", layout=w.Layout(width="80px"))
        self.next_button = w.Button(description="next", icon="chevron-right", layout=w.Layout(width="80px"))
        self.page_label = w.HTML()
        self.message = w.HTML()
        self.pin_css = w.HTML()  # the pinned header buttons' left offsets (a widget takes no inline style)
        self.select_page = w.Checkbox(value=False, indent=False, tooltip="check every row on this page",
                                      layout=w.Layout(width="28px", margin="0"))
        self.select_page.add_class("pyt-rt-chk")
        self.header = w.HBox([], layout=w.Layout(flex_flow="row nowrap"))
        self.header.add_class("pyt-rt-h")
        self.body = w.VBox([], layout=w.Layout(overflow="visible"))
        self.body.add_class("pyt-rt-body")
        self.grid = w.VBox([self.header, self.body], layout=w.Layout(max_height="480px", overflow="auto"))
        self.grid.add_class("pyt-rt-grid")
        self._row_pool: list[Any] = []  # HBox(Checkbox, HTML) reused across pages
        self._group_pool: list[Any] = []
        self._header_pool: list[Any] = []  # one sort button per visible column
        self._header_cols: list[str] = []
        self._row_ids: list[str | None] = []
        self.compare_button = w.Button(description="Compare checked", icon="chart-line",
                                       layout=w.Layout(width="170px"))
        self.compare_out = w.Output()

        self.compare_button.on_click(lambda _b: self.compare())
        self.prev_button.on_click(lambda _b: self.go(self.page - 1))
        self.next_button.on_click(lambda _b: self.go(self.page + 1))
        self.select_page.observe(self._on_select_page, "value")
        for ctl in (self.filter, self.group, self.page_size):
            ctl.observe(lambda _c: self.refresh(reset_page=True), "value")
        self.column_choice.observe(lambda _c: self.render(), "value")
        self.pin_choice.observe(lambda _c: self.render(), "value")
        self.compact.observe(lambda _c: self.render(), "value")
        title = f"Runs of project {project}" if project else "Runs of all projects"
        self.widget = w.VBox([w.HTML(ROW_CSS + TABLE_CSS + f"<b>{html.escape(title)}</b> ({len(self.all_rows)})"),
                              w.HBox([self.filter, self.group, self.compact]),
                              w.HBox([self.column_choice, self.pin_choice, self.page_size, self.prev_button,
                                      self.next_button, self.page_label]),
                              self.message, self.pin_css, self.grid, self.compare_button, self.compare_out])
        self.widget.add_class("py-tracker-runs")
        self.refresh()

    # ---- state -> rows
    @property
    def visible_columns(self) -> list[str]:
        """The chosen columns, pinned ones first (in the order they were pinned)."""
        chosen = set(self.column_choice.value)
        pinned = [c for c in self.pinned if c in chosen]
        return pinned + [c for c in self.columns if c in chosen and c not in pinned]

    @property
    def pinned(self) -> list[str]:
        return list(self.pin_choice.value)

    def pin(self, column: str, pinned: bool = True) -> None:
        """Pin `column` (by its key or its shown name) so it comes first and stays in view when
        the table scrolls sideways; `pinned=False` unpins it."""
        key = column if column in self.columns else next((c for c, lab in self.labels.items() if lab == column), None)
        if key is None:
            raise ValueError(f"no column {column!r} to pin; columns: {', '.join(self.labels[c] for c in self.columns)}")
        rest = [c for c in self.pin_choice.value if c != key]
        self.pin_choice.value = tuple(rest + [key] if pinned else rest)

    def _pin_offsets(self, cols: list[str], widths: dict[str, int]) -> dict[str, int]:
        """Left offset (px) of each visible pinned column: after the checkbox and the pins before it."""
        out, left = {}, CHECK_WIDTH
        for c in cols:
            if c not in self.pin_choice.value:
                break
            out[c] = left
            left += widths[c]
        return out

    def refresh(self, reset_page: bool = False) -> None:
        """Filter and sort all rows again, then draw the page."""
        try:
            rows = filter_rows(self.all_rows, self.filter.value, self.labels)
            self.message.value = ""
        except Exception as exc:
            self.message.value = f"<span class='pyt-error'>{html.escape(str(exc))}</span>"
            rows = self.all_rows
        rows = sort_rows(rows, self.sort_column, self.descending)
        self._groups: dict[Any, list[dict]] = {}
        if self.group.value:
            self._groups = dict(group_rows(rows, self.group.value))
            rows = [r for members in self._groups.values() for r in members]
        self.rows = rows
        if reset_page:
            self.page = 0
        self.render()

    def sort_by(self, column: str) -> None:
        """A header click: sort by `column` ascending, or reverse when it is already the sort."""
        if column == self.sort_column:
            self.descending = not self.descending
        else:
            self.sort_column, self.descending = column, False
        self.refresh()

    def go(self, page: int) -> None:
        """Show page `page` (0-based, clamped)."""
        self.page = page
        self.render()

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // self.page_size.value))

    @property
    def selected(self) -> list[str]:
        return [r["id"] for r in self.rows if r["id"] in self.checked]

    # ---- drawing
    def render(self) -> None:
        """Draw the header and the rows of the current page (widgets reused)."""
        w = self._w
        self.page = min(max(self.page, 0), self.pages - 1)
        size = self.page_size.value
        start = self.page * size
        self.page_rows = self.rows[start:start + size]
        cols = self.visible_columns
        widths = self._widths(cols, self.page_rows)
        compact = self.compact.value
        height = "18px" if compact else "26px"

        self._header_cols = cols
        while len(self._header_pool) < len(cols):
            b, k = w.Button(layout=w.Layout(margin="0", flex="none")), len(self._header_pool)
            b.on_click(lambda _b, k=k: self.sort_by(self._header_cols[k]))
            self._header_pool.append(b)
        pins = self._pin_offsets(cols, widths)
        self._pins = pins
        for k, (b, c) in enumerate(zip(self._header_pool, cols)):
            arrow = (" ▼" if self.descending else " ▲") if c == self.sort_column else ""
            b.description, b.tooltip = self.labels[c] + arrow, f"sort by {self.labels[c]}"
            b.layout.width, b.layout.height = f"{widths[c]}px", height
            # a widget takes no inline `left`: the k-th header button's offset is a class
            for cls in [x for x in b._dom_classes if x.startswith("pyt-rt-pin")]:
                b.remove_class(cls)
            if c in pins:
                b.add_class("pyt-rt-pin")
                b.add_class(f"pyt-rt-pin-at-{pins[c]}")
                if k == len(pins) - 1:
                    b.add_class("pyt-rt-pin-last")
        self.pin_css.value = "<style>" + "".join(
            f".pyt-rt-h .pyt-rt-pin-at-{px}{{left:{px}px}}" for px in sorted(set(pins.values()))) + "</style>"
        self.header.children = [self.select_page, *self._header_pool[:len(cols)]]

        children: list[Any] = []
        self._row_ids = []
        groups = group_rows(self.page_rows, self.group.value) if self.group.value else [(None, self.page_rows)]
        n_row = n_group = 0
        self._updating = True
        try:
            for g, members in groups:
                if self.group.value:
                    children.append(self._group_widget(n_group, g, self._groups.get(g, members), cols, widths))
                    n_group += 1
                for r in members:
                    box = self._row_widget(n_row)
                    check, cells = box.children
                    check.value = r["id"] in self.checked
                    cells.value = self._cells_html(r, cols, widths)
                    self._row_ids.append(r["id"])
                    children.append(box)
                    n_row += 1
            self.select_page.value = bool(self.page_rows) and all(r["id"] in self.checked for r in self.page_rows)
        finally:
            self._updating = False
        self.body.children = children
        if self._row_pool and self._shared["check"].height != height:
            self._shared["check"].height = height
        if compact:
            self.body.add_class("pyt-rt-compact")
        else:
            self.body.remove_class("pyt-rt-compact")
        n = len(self.rows)
        first, last = (start + 1, start + len(self.page_rows)) if self.page_rows else (0, 0)
        self.page_label.value = f"rows {first}–{last} of {n}" + (f" (of {len(self.all_rows)} runs)" if n != len(self.all_rows) else "")
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= self.pages - 1

    def _widths(self, cols: list[str], rows: list[dict]) -> dict[str, int]:
        out = {}
        for c in cols:
            longest = max([len(self.labels[c]) + 2] + [len(html.unescape(cell_text(c, r.get(c)))) for r in rows])
            if self.group.value and c.startswith(("config.", "summary.")):
                longest = max(longest, 22)
            out[c] = min(max(8 * longest + 14, 56), 260)
        return out

    def _cells_html(self, r: dict, cols: list[str], widths: dict[str, int]) -> str:
        pins = getattr(self, "_pins", {})
        last = list(pins)[-1] if pins else None

        def cell(c: str) -> str:
            text = cell_text(c, r.get(c))
            title = html.escape(html.unescape(text), quote=True)
            if c in pins:
                cls = "pyt-rt-c pyt-rt-pin" + (" pyt-rt-pin-last" if c == last else "")
                return (f"<div class='{cls}' data-col='{html.escape(c, quote=True)}' "
                        f"style='width:{widths[c]}px;left:{pins[c]}px' title='{title}'>{text}</div>")
            return (f"<div class='pyt-rt-c' data-col='{html.escape(c, quote=True)}' style='width:{widths[c]}px' "
                    f"title='{title}'>{text}</div>")
        return "<div class='pyt-rt-row'>" + "".join(cell(c) for c in cols) + "</div>"

    def _row_widget(self, i: int) -> Any:
        w = self._w
        if not self._row_pool:  # one layout/style per kind, shared by every row (fewer widgets)
            self._shared = {"check": w.Layout(width="28px", margin="0"), "cell": w.Layout(margin="0"),
                            "row": w.Layout(flex_flow="row nowrap"), "check_style": w.widgets.widget_bool.CheckboxStyle(),
                            "cell_style": w.widgets.widget_string.HTMLStyle()}
        sh = self._shared
        while len(self._row_pool) <= i:
            k = len(self._row_pool)
            check = w.Checkbox(value=False, indent=False, layout=sh["check"], style=sh["check_style"])
            check.add_class("pyt-rt-chk")
            check.observe(lambda ch, k=k: self._on_check(k, ch["new"]), "value")
            box = w.HBox([check, w.HTML(layout=sh["cell"], style=sh["cell_style"])], layout=sh["row"])
            self._row_pool.append(box)
        return self._row_pool[i]

    def _group_widget(self, i: int, value: Any, members: list[dict], cols: list[str], widths: dict[str, int]) -> Any:
        w = self._w
        while len(self._group_pool) <= i:
            box = w.HTML(layout=w.Layout(margin="0"))
            box.add_class("pyt-rt-grp")
            self._group_pool.append(box)
        agg = aggregates(members, cols)
        label = self.labels.get(self.group.value, self.group.value)
        # the group's name spans the leading columns without an aggregate, then one cell per column
        lead = next((j for j, c in enumerate(cols) if c in agg), len(cols)) or 1
        spans = [(f"{label}: {'—' if value is None else value} ({len(members)} runs)",
                  sum(widths[c] for c in cols[:lead]))]
        spans += [(_agg_text(agg[c]) if c in agg else "", widths[c]) for c in cols[lead:]]
        cells = ["<div class='pyt-rt-c' style='width:28px'></div>"]
        for text, width in spans if cols else []:
            cells.append(f"<div class='pyt-rt-c' style='width:{width}px' "
                         f"title='{html.escape(text, quote=True)}'>{html.escape(text)}</div>")
        box = self._group_pool[i]
        box.value = "<div class='pyt-rt-row' title='mean [min, max] of the group'>" + "".join(cells) + "</div>"
        return box

    def _on_check(self, k: int, value: bool) -> None:
        if self._updating or k >= len(self._row_ids):
            return
        rid = self._row_ids[k]
        if value:
            self.checked.add(rid)
        else:
            self.checked.discard(rid)

    def _on_select_page(self, change: dict) -> None:
        if self._updating:
            return
        ids = {r["id"] for r in self.page_rows}
        if change["new"]:
            self.checked |= ids
        else:
            self.checked -= ids
        self.render()

    def check(self, ids: list[str] | None = None) -> None:
        """Check the rows `ids` (all filtered rows when None), as ticking their boxes does."""
        self.checked |= set(ids if ids is not None else (r["id"] for r in self.rows))
        self.render()

    @property
    def html(self) -> str:
        """The current page as one static HTML table (visible columns, grouping kept)."""
        return table_html(self.page_rows, self.visible_columns, self.group.value or None, labels=self.labels)

    def compare(self, ids: list[str] | None = None) -> Any:
        """Compare the checked runs (or `ids`) below the table."""
        ids = ids if ids is not None else self.selected
        self.compare_out.clear_output()
        with self.compare_out:
            from IPython.display import display
            if len(ids) < 2:
                print("check at least two runs to compare")
                return None
            from .compare import compare
            panel = compare([self.all_runs[i] for i in ids])
            display(panel)
            return panel

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..display import widget_bundle
        return widget_bundle(self.widget, "py_tracker runs table (open in JupyterLab)", include, exclude)

    def _ipython_display_(self) -> None:
        from ..display import display_with_static
        display_with_static(self.widget, "py_tracker runs table (open in JupyterLab)",
                            lambda: f"<b>{html.escape(self.project or 'all projects')}</b> "
                                    f"({len(self.rows)} runs)" + ROW_CSS + TABLE_CSS + self.html,
                            "py-tracker-runs", "py-tracker-static-runs")


def runs_table(project: str | None = None, root: Any = None, filter: str | None = None) -> RunsTable:
    """The runs table of `project` (all projects when None). Display it as the cell's result."""
    if project is None:
        from ...core import session
        active = session.active_run()
        if active is not None and getattr(active, "project", None):
            project = active.project
            root = root if root is not None else getattr(active, "root", None)
    return RunsTable(project, root=root, filter=filter)
