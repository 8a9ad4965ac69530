"""Content of the run panel's non-chart tabs: Config, Summary, Model, Logs, Files, Artifacts.

Every user string goes through `html.escape` (names, values, file contents,
log lines). Builders are plain functions returning HTML; the two stateful views
(`LogsView` tail-follows output.log, `FilesView` lists and previews files) keep
their read offsets. They are refreshed by the panel's updater only while their
tab is visible.
"""
from __future__ import annotations

import html
from typing import Any

import orjson

from ...artifacts import lineage, lineage_svg
from ...formats import flatten

# JupyterLab's theme variables (fallbacks for static HTML): readable in the light and dark theme;
# highlighted rows mix the theme's warn/success colour into its background (text stays the theme's)
TABLE_CSS = ("<style>.pyt-t{border-collapse:collapse;font-size:12px;color:var(--jp-content-font-color1,#000)}"
             ".pyt-t td,.pyt-t th{border:1px solid var(--jp-border-color2,#ddd);"
             "padding:2px 6px;text-align:left;vertical-align:top}"
             ".pyt-t th{background:var(--jp-layout-color2,#f4f4f4);color:var(--jp-ui-font-color1,#000)}"
             ".pyt-diff{background:color-mix(in srgb,var(--jp-warn-color1,#f08c00) 22%,var(--jp-layout-color1,#fff))}"
             ".pyt-best{background:color-mix(in srgb,var(--jp-success-color1,#2f9e44) 22%,"
             "var(--jp-layout-color1,#fff));font-weight:bold}"
             ".pyt-group{background:var(--jp-layout-color2,#eef)}"
             ".pyt-muted{color:var(--jp-ui-font-color2,#666)}.pyt-error{color:var(--jp-error-color1,#c00)}</style>")
MAX_LOG_CHARS = 200_000
MAX_PREVIEW_BYTES = 64 * 1024


def fmt_value(v: Any) -> str:
    """A config/summary value as escaped text (media dicts shown by type, floats shortened)."""
    if isinstance(v, dict) and "_type" in v:
        return f"<i>{html.escape(str(v['_type']))}</i>"
    if isinstance(v, float):
        return html.escape(f"{v:.6g}")
    if isinstance(v, (dict, list)):
        try:
            text = orjson.dumps(v, default=str).decode()
        except TypeError:
            text = str(v)
        return html.escape(text[:500])
    return html.escape(str(v))


def kv_table(d: dict, empty: str = "(empty)") -> str:
    """A two-column table of a flat or nested dict (nested keys shown dotted)."""
    rows = []
    for k, v in flatten(d).items():
        rows.append(f"<tr><td>{html.escape(k)}</td><td>{fmt_value(v)}</td></tr>")
    if not rows:
        return f"<i>{html.escape(empty)}</i>"
    return TABLE_CSS + "<table class='pyt-t'><tr><th>key</th><th>value</th></tr>" + "".join(rows) + "</table>"


def model_html(files_dir: Any) -> str:
    """The module tree and parameter counts recorded by `watch()` (files/model.json)."""
    try:
        data = orjson.loads((files_dir / "model.json").read_bytes())
    except (OSError, ValueError):
        return "<i>No model recorded. Call <code>run.watch(model)</code> to see its modules here.</i>"
    models = data.get("models", [data]) if isinstance(data, dict) else list(data)
    parts = [TABLE_CSS]
    for m in models:
        if not isinstance(m, dict):
            continue
        parts.append(f"<p><b>{html.escape(str(m.get('type', 'model')))}</b>: "
                     f"{int(m.get('total_params') or 0):,} parameters "
                     f"({int(m.get('trainable_params') or 0):,} trainable)</p>")
        rows = []
        for mod in (m.get("modules") or [])[:2000]:
            name = str(mod.get("name") or "")
            depth = name.count(".") + (1 if name else 0)
            shape = mod.get("output_shape")
            rows.append(f"<tr><td style='padding-left:{6 + 14 * depth}px'>{html.escape(name or '(root)')}</td>"
                        f"<td>{html.escape(str(mod.get('type', '')))}</td>"
                        f"<td>{int(mod.get('total_params') or 0):,}</td>"
                        f"<td>{html.escape(str(shape)) if shape is not None else ''}</td></tr>")
        parts.append("<table class='pyt-t'><tr><th>module</th><th>type</th><th>parameters</th>"
                     "<th>output shape</th></tr>" + "".join(rows) + "</table>")
    return "".join(parts)


class LogsView:
    """Captured output (files/output.log), appended as it grows; scrolled to the newest line."""

    def __init__(self, api_run: Any):
        import ipywidgets as w
        self.api_run = api_run
        self.offset = 0
        self.text = ""
        self.widget = w.HTML("<i>No output captured yet.</i>")
        self.widget.add_class("py-tracker-logs")

    def refresh(self) -> bool:
        chunk, self.offset = self.api_run.logs(self.offset)
        if not chunk:
            return False
        self.text = (self.text + chunk)[-MAX_LOG_CHARS:]
        # column-reverse keeps the view pinned to the bottom while lines arrive (tail-follow)
        self.widget.value = ("<div style='max-height:360px;overflow:auto;display:flex;flex-direction:column-reverse'>"
                             "<pre style='margin:0;font-size:12px;white-space:pre-wrap'>"
                             f"{html.escape(self.text)}</pre></div>")
        return True


class FilesView:
    """The run's files with sizes; selecting a text file previews its start."""

    def __init__(self, api_run: Any):
        import ipywidgets as w
        self.api_run = api_run
        self.select = w.Select(options=[], rows=12, layout=w.Layout(width="360px"))
        self.preview = w.HTML()
        self.widget = w.HBox([self.select, self.preview])
        self.select.observe(self._on_select, "value")

    def refresh(self) -> None:
        files = self.api_run.files()
        opts = [(f"{f.name}  ({human_size(f.size)})", f.name) for f in files]
        if list(self.select.options) != opts:
            self.select.options = opts

    def _on_select(self, change: dict) -> None:
        name = change["new"]
        if not name:
            return
        try:
            f = self.api_run.file(name)
            with open(f.path, "rb") as fh:
                data = fh.read(MAX_PREVIEW_BYTES)
        except (OSError, ValueError) as exc:
            self.preview.value = f"<i>cannot read {html.escape(str(name))}: {html.escape(str(exc))}</i>"
            return
        if b"\0" in data:
            self.preview.value = f"<i>{html.escape(name)}: binary file, {human_size(f.size)}</i>"
            return
        text = data.decode("utf-8", "replace")
        more = "\n…" if f.size > MAX_PREVIEW_BYTES else ""
        self.preview.value = (f"<b>{html.escape(name)}</b><pre style='max-height:360px;overflow:auto;"
                              f"font-size:12px'>{html.escape(text + more)}</pre>")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def lineage_graph_html(data: dict, highlight: str) -> str:
    """The lineage as a static SVG (labels escaped by `lineage_svg`), scrollable when wide."""
    try:
        svg = lineage_svg(data, highlight=highlight)
    except Exception as exc:  # a drawing problem must not hide the tables below
        return f"<i>could not draw the lineage: {html.escape(str(exc))}</i>"
    return f"<p><b>Lineage</b></p><div class='pyt-lineage' style='overflow-x:auto'>{svg}</div>"


def artifacts_html(root: Any, run_id: str) -> str:
    """The run's artifact lineage: what it used and logged, as a graph and two tables."""
    try:
        data = lineage(root, run_id=run_id)
    except Exception as exc:
        return f"<i>could not read artifacts: {html.escape(str(exc))}</i>"
    if not isinstance(data, dict) or "nodes" not in data:
        return kv_table(data if isinstance(data, dict) else {"lineage": data})
    nodes = {n.get("id"): n for n in data.get("nodes") or []}
    me = f"run:{run_id}"
    used = [nodes.get(e.get("source"), {}) for e in data.get("edges") or []
            if e.get("target") == me and e.get("kind") == "input"]
    made = [nodes.get(e.get("target"), {}) for e in data.get("edges") or []
            if e.get("source") == me and e.get("kind") == "output"]
    if not used and not made:
        return "<i>This run used and logged no artifacts (run.use_artifact / run.log_artifact).</i>"
    parts = [TABLE_CSS, lineage_graph_html(data, me)]
    for title, items in (("Used (inputs)", used), ("Logged (outputs)", made)):
        if not items:
            continue
        rows = "".join(f"<tr><td>{html.escape(str(n.get('label', n.get('id', ''))))}</td>"
                       f"<td>{html.escape(str(n.get('type', '')))}</td>"
                       f"<td>{html.escape(', '.join(map(str, n.get('aliases') or [])))}</td></tr>" for n in items)
        parts.append(f"<p><b>{title}</b></p><table class='pyt-t'><tr><th>artifact</th><th>type</th>"
                     f"<th>aliases</th></tr>{rows}</table>")
    return "".join(parts)
