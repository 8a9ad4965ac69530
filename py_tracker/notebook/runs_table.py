"""`runs_table(project)`: every run as a row — sort, filter (text or expression), group, compare.

Rows come straight from the catalog records (one read, no history files), so a
project with 1,000 runs opens in well under a second. Columns: name, state,
group, job type, created, duration, every config key (`config.*`) and every
summary metric (`summary.*`, with `.min`/`.max` where `define_metric` asked for
them). The table is one escaped HTML string; selection is a multi-select list.
"""
from __future__ import annotations

import html
import time
from typing import Any

from ..formats import flatten
from .tabs import TABLE_CSS, fmt_value

BASE_COLUMNS = ["name", "state", "group", "job_type", "created", "duration"]
MAX_ROWS = 500


class _Attr(dict):
    """A dict whose keys are also attributes (for expressions like `config.lr > 0.01`)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def run_row(r: Any) -> dict[str, Any]:
    """One table row from an ApiRun."""
    rec = r._record
    row = {"id": r.id, "name": rec.get("name"), "state": r.state, "group": rec.get("group"),
           "job_type": rec.get("job_type"), "created": rec.get("created_at"), "duration": r.runtime}
    row.update(flatten(rec.get("config") or {}, "config."))
    row.update(flatten(rec.get("summary") or {}, "summary."))
    return row


def evaluate(expr: str, row: dict) -> bool:
    """Whether `row` matches the filter expression, e.g. `lr > 0.01 and state == "finished"`.

    Names: name, state, group, job_type, duration, any config key, any summary key (config wins
    on a clash), plus `config.<key>` / `summary.<key>`. Missing names are None.
    """
    config = _Attr({k[7:]: v for k, v in row.items() if k.startswith("config.")})
    summary = _Attr({k[8:]: v for k, v in row.items() if k.startswith("summary.")})
    ns = _Default({**summary, **config, **{k: row.get(k) for k in BASE_COLUMNS}, "id": row.get("id"),
                   "config": config, "summary": summary})
    return bool(eval(expr, {"__builtins__": {"abs": abs, "min": min, "max": max, "len": len}}, ns))


class _Default(dict):
    def __missing__(self, key: str) -> None:
        return None


def filter_rows(rows: list[dict], text: str | None) -> list[dict]:
    """Keep rows matching `text`: a Python expression if it compiles and uses an operator,
    else a case-insensitive substring of name/id/group/job type/state/tags."""
    text = (text or "").strip()
    if not text:
        return rows
    if any(op in text for op in ("==", "!=", ">", "<", " and ", " or ", " in ", "not ")):
        try:
            code = compile(text, "<filter>", "eval")
        except SyntaxError as exc:
            from .magic_args import _usage_error
            raise _usage_error(f"filter {text!r} is not a valid expression ({exc.msg}); "
                               f"e.g. \"lr > 0.01 and state == 'finished'\"") from None
        out = []
        for row in rows:
            try:
                if evaluate(code, row):  # type: ignore[arg-type]
                    out.append(row)
            except TypeError:
                continue  # e.g. None > 0.01: the row has no such value
            except Exception as exc:
                from .magic_args import _usage_error
                raise _usage_error(f"filter {text!r} failed: {exc!r}") from None
        return out
    low = text.lower()
    return [r for r in rows if any(low in str(r.get(k) or "").lower() for k in ("name", "id", "group", "job_type", "state"))]


def sort_rows(rows: list[dict], column: str, descending: bool = False) -> list[dict]:
    """Sort by any column; rows without a value go last; numbers before text."""
    have = [r for r in rows if r.get(column) is not None]
    missing = [r for r in rows if r.get(column) is None]

    def key(r: dict) -> tuple:
        v = r[column]
        return (0, float(v), "") if isinstance(v, (int, float)) and not isinstance(v, bool) else (1, 0.0, str(v))
    have.sort(key=key, reverse=descending)
    return have + missing


def table_html(rows: list[dict], columns: list[str], group_by: str | None = None, max_rows: int = MAX_ROWS) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body: list[str] = []
    groups: dict[Any, list[dict]] = {}
    if group_by:
        for r in rows:
            groups.setdefault(r.get(group_by), []).append(r)
    else:
        groups[None] = rows
    shown = 0
    for g, members in groups.items():
        if group_by:
            body.append(f"<tr><td colspan='{len(columns)}' class='pyt-group'><b>{html.escape(group_by)}: "
                        f"{html.escape(str(g))}</b> ({len(members)} runs)</td></tr>")
        for r in members:
            if shown >= max_rows:
                break
            shown += 1
            body.append("<tr>" + "".join(f"<td>{_cell(c, r.get(c))}</td>" for c in columns) + "</tr>")
    more = f"<p><i>showing {shown} of {len(rows)} runs; filter to narrow</i></p>" if shown < len(rows) else ""
    return (TABLE_CSS + "<div style='max-height:420px;overflow:auto'><table class='pyt-t'><tr>" + head + "</tr>"
            + "".join(body) + "</table></div>" + more)


def _cell(column: str, v: Any) -> str:
    if v is None:
        return ""
    if column == "created" and isinstance(v, (int, float)):
        return html.escape(time.strftime("%Y-%m-%d %H:%M", time.localtime(v)))
    if column == "duration" and isinstance(v, (int, float)):
        return html.escape(f"{v:.0f}s" if v < 120 else f"{v / 60:.1f}m")
    return fmt_value(v)


class RunsTable:
    """The runs table widget (`.widget`); `.rows` are the visible rows, `.selected` the chosen ids."""

    def __init__(self, project: str | None = None, root: Any = None, filter: str | None = None):
        import ipywidgets as w
        from ..api import Api
        self.api = Api(root)
        self.project = project
        self.all_runs = {r.id: r for r in self.api.runs(project)}
        self.all_rows = [run_row(r) for r in self.all_runs.values()]
        cols = {k for r in self.all_rows for k in r if k.startswith(("config.", "summary."))}
        self.columns = BASE_COLUMNS + sorted(c for c in cols if c.startswith("config.")) \
            + sorted(c for c in cols if c.startswith("summary."))
        self.filter = w.Text(value=filter or "", placeholder="filter: text, or e.g. lr > 0.01 and state == 'finished'",
                             layout=w.Layout(width="420px"), continuous_update=False)
        self.sort = w.Dropdown(options=self.columns, value="created", description="sort")
        self.descending = w.Checkbox(value=True, description="descending", indent=False)
        self.group = w.Dropdown(options=[("no grouping", ""), ("group", "group"), ("job type", "job_type")],
                                value="", description="group by")
        self.table = w.HTML()
        self.message = w.HTML()
        self.select = w.SelectMultiple(options=[], rows=6, description="select", layout=w.Layout(width="520px"))
        self.compare_button = w.Button(description="Compare selected", icon="chart-line")
        self.compare_out = w.Output()
        self.compare_button.on_click(lambda _b: self.compare())
        for ctl in (self.filter, self.sort, self.descending, self.group):
            ctl.observe(lambda _c: self.refresh(), "value")
        title = f"Runs of project {project}" if project else "Runs of all projects"
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(title)}</b> ({len(self.all_rows)})"),
                              w.HBox([self.filter, self.sort, self.descending, self.group]), self.message,
                              self.table, w.HBox([self.select, self.compare_button]), self.compare_out])
        self.widget.add_class("py-tracker-runs")
        self.rows: list[dict] = []
        self.refresh()

    def refresh(self) -> None:
        try:
            rows = filter_rows(self.all_rows, self.filter.value)
            self.message.value = ""
        except Exception as exc:
            self.message.value = f"<span class='pyt-error'>{html.escape(str(exc))}</span>"
            rows = self.all_rows
        rows = sort_rows(rows, self.sort.value, self.descending.value)
        self.rows = rows
        self.table.value = table_html(rows, self.columns, self.group.value or None)
        self.select.options = [(f"{r.get('name')} ({r['id']}, {r.get('state')})", r["id"]) for r in rows[:MAX_ROWS]]

    @property
    def selected(self) -> list[str]:
        return list(self.select.value)

    def compare(self, ids: list[str] | None = None) -> Any:
        """Compare the selected runs (or `ids`) below the table."""
        ids = ids if ids is not None else self.selected
        self.compare_out.clear_output()
        with self.compare_out:
            from IPython.display import display
            if len(ids) < 2:
                print("select at least two runs (ctrl/shift-click) to compare")
                return None
            from .compare import compare
            panel = compare([self.all_runs[i] for i in ids])
            display(panel)
            return panel

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from .display import widget_bundle
        return widget_bundle(self.widget, "py_tracker runs table (open in JupyterLab)", include, exclude)


def runs_table(project: str | None = None, root: Any = None, filter: str | None = None) -> RunsTable:
    """The runs table of `project` (all projects when None). Display it as the cell's result."""
    if project is None:
        from ..core import session
        active = session.active_run()
        if active is not None and getattr(active, "project", None):
            project = active.project
            root = root if root is not None else getattr(active, "root", None)
    return RunsTable(project, root=root, filter=filter)
