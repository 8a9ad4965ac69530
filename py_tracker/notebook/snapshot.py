"""Static snapshot of a run panel: self-contained HTML with inline SVG charts.

Widgets need a kernel; a notebook reopened without one, or exported with
nbconvert to HTML, would show nothing. The snapshot is plain `text/html` (no
JavaScript, no BokehJS), so it renders anywhere, and small (each chart reduced
to ~400 points per bucket min/max, so spikes stay visible). In a live JupyterLab
session it hides itself while the live panel is on the page (CSS `:has`).
"""
from __future__ import annotations

import html
import time
from typing import Any

import numpy as np

from ..storage.downsample import bucket_indices

SNAPSHOT_CLASS = "py-tracker-snapshot"
PENDING_CLASS = "py-tracker-snapshot-pending"
STATIC_CLASS = "py-tracker-static"  # every static view (run snapshot, runs table, compare, sweep)
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def hide_css(live_class: str, static_class: str) -> str:
    """CSS for an output holding a static view: hidden while the live widget `live_class` is in
    the same output area. And a widget output of that area that drew no element (its kernel is
    gone: "Error displaying widget: model not found", or still "Loading widget...") is hidden,
    so a reloaded notebook without its kernel shows the static view cleanly."""
    return (f".jp-OutputArea:has(.{live_class}) .{static_class},"
            f".output_area:has(.{live_class}) .{static_class}{{display:none}}"
            f".jp-OutputArea:has(.{STATIC_CLASS}) .jp-OutputArea-output.jupyter-widgets:not(:has(*))"
            f"{{display:none}}"
            f".{STATIC_CLASS}{{color:var(--jp-content-font-color1,#000)}}")


HIDE_CSS = ("<style>" + hide_css("py-tracker-panel", SNAPSHOT_CLASS) + hide_css("py-tracker-panel", PENDING_CLASS)
            + f".{SNAPSHOT_CLASS} .pyt-card{{display:inline-block;margin:4px;border:1px solid var(--jp-border-color2,#ddd);"
            f"font:11px sans-serif;vertical-align:top}}</style>")


def pending_html(name: str, run_id: str) -> str:
    """What stands in for the snapshot of a running run: hidden under its live panel, read when
    the page has no kernel (the snapshot goes to the output of the cell in which the run ends)."""
    return (HIDE_CSS + f"<div class='{STATIC_CLASS} {PENDING_CLASS}' style='font:12px sans-serif;opacity:.8'>"
            f"py_tracker run <b>{html.escape(name)}</b> ({html.escape(run_id)}) was running here; its live panel "
            f"needs the kernel that ran it. The static snapshot is in the output of the cell in which the run "
            f"ended, and the run is in the py_tracker sidebar.</div>")


W, H, PAD_L, PAD_B, PAD_T = 320, 180, 48, 22, 18


def svg_chart(title: str, x: np.ndarray, y: np.ndarray, n_points: int = 400, color: str = "#1f77b4") -> str:
    """One line chart as an SVG string (title, min/max labels, last value)."""
    return svg_lines(title, [("", x, y, color)], n_points)


def svg_lines(title: str, lines: list[tuple[str, np.ndarray, np.ndarray, str]], n_points: int = 400) -> str:
    """Several (label, x, y, colour) lines on shared axes as one SVG card (title, min/max
    labels, a legend when the lines have labels); each line reduced to `n_points` buckets."""
    head = f"<div class='pyt-card'><svg xmlns='http://www.w3.org/2000/svg' width='{W}' height='{H}' fill='currentColor'>"
    label = f"<text x='{W / 2}' y='13' text-anchor='middle' font-weight='bold'>{html.escape(title)}</text>"
    kept = []
    for name, x, y, color in lines:
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        x, y = x[ok], y[ok]
        if len(y):
            keep = bucket_indices(y, n_points)
            kept.append((name, x[keep], y[keep], color))
    if not kept:
        return head + label + "<text x='10' y='60'>no data</text></svg></div>"
    x0 = min(float(x.min()) for _, x, _, _ in kept)
    x1 = max(float(x.max()) for _, x, _, _ in kept)
    y0 = min(float(y.min()) for _, _, y, _ in kept)
    y1 = max(float(y.max()) for _, _, y, _ in kept)
    if x1 == x0:
        x1 = x0 + 1
    if y1 == y0:
        y0, y1 = y0 - 0.5, y1 + 0.5
    pw, ph = W - PAD_L - 6, H - PAD_B - PAD_T
    axes = (f"<rect x='{PAD_L}' y='{PAD_T}' width='{pw}' height='{ph}' fill='none' stroke='#ccc'/>"
            f"<text x='{PAD_L - 3}' y='{PAD_T + 8}' text-anchor='end'>{_num(y1)}</text>"
            f"<text x='{PAD_L - 3}' y='{PAD_T + ph}' text-anchor='end'>{_num(y0)}</text>"
            f"<text x='{PAD_L}' y='{H - 6}'>{_num(x0)}</text>"
            f"<text x='{W - 6}' y='{H - 6}' text-anchor='end'>{_num(x1)}</text>")
    body, tips = [], []
    for name, x, y, color in kept:
        px = PAD_L + (x - x0) / (x1 - x0) * pw
        py = PAD_T + (1 - (y - y0) / (y1 - y0)) * ph
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py))
        if len(x) == 1:  # a single point is a dot, not an invisible line
            body.append(f"<circle cx='{px[0]:.1f}' cy='{py[0]:.1f}' r='3' fill='{color}'/>")
        body.append(f"<polyline fill='none' stroke='{color}' stroke-width='1.5' points='{pts}'/>")
        tips.append(f"{name + ': ' if name else ''}last {float(y[-1]):.4g}")
    legend = "".join(f"<text x='{PAD_L + 4}' y='{PAD_T + 12 + 11 * i}' fill='{c}'>{html.escape(n)}</text>"
                     for i, (n, _, _, c) in enumerate(kept[:8]) if n)
    last = f"<title>{html.escape(title + ': ' + '; '.join(tips))}</title>"
    return head + last + label + axes + "".join(body) + legend + "</svg></div>"


def static_block(inner: str, live_class: str, static_class: str) -> str:
    """A static view (`inner` HTML) for the output under a live widget of class `live_class`:
    hidden while that widget is drawn, shown by nbconvert and by a notebook without its kernel."""
    return (f"<style>{hide_css(live_class, static_class)}"
            f".{STATIC_CLASS} .pyt-card{{display:inline-block;margin:4px;border:1px solid var(--jp-border-color2,#ddd);"
            f"font:11px sans-serif;vertical-align:top}}</style>"
            f"<div class='{STATIC_CLASS} {static_class}' style='font:12px sans-serif'>{inner}"
            f"<div style='opacity:.75'>(static view, {time.strftime('%Y-%m-%d %H:%M')})</div></div>")


def _num(v: float) -> str:
    return html.escape(f"{v:.4g}")


def run_snapshot(api_run: Any) -> str:
    """The snapshot HTML of a stored run (read from disk, so it is complete and thread-safe):
    header, every metric chart (x = its step metric or step), system charts, summary, config."""
    from .live.charts import step_metric_for
    from .live.tabs import kv_table
    r = api_run.load()
    state = r.state
    parts = [HIDE_CSS, f"<div class='{STATIC_CLASS} {SNAPSHOT_CLASS}' style='font:12px sans-serif'>",
             f"<div style='font:13px sans-serif;margin:4px 0'><b>{html.escape(str(r.name))}</b> "
             f"[{html.escape(state)}] project {html.escape(str(r.project))}"]
    if r.group:
        parts.append(f" · group {html.escape(str(r.group))}")
    if r.job_type:
        parts.append(f" · job type {html.escape(str(r.job_type))}")
    parts.append(f" · step {max(0, int(r.last_step) + 1)} · {html.escape(r.id)} "
                 f"<span style='opacity:.75'>(static snapshot, {time.strftime('%Y-%m-%d %H:%M')})</span></div>")
    defs = {m["name"]: m["step_metric"] for m in r.metrics if m.get("step_metric")}
    n, cols = api_run.history_columns()
    charts = []
    for key in sorted(cols):
        v = cols[key]
        if key.startswith("_") or v.dtype.kind not in "fiu":
            continue
        sm = step_metric_for(key, defs)
        x = cols.get(sm) if sm in cols else cols.get("_step")
        x = np.arange(n) if x is None or x.dtype.kind not in "fiu" else x
        charts.append(svg_chart(key, x, v))
    parts.append("<div>" + "".join(charts) + "</div>" if charts else "<i>no metrics logged</i>")
    m, scols = api_run.history_columns(stream="system")
    sys_charts = [svg_chart(k, scols["_runtime"], v) for k, v in sorted(scols.items())
                  if k.startswith("system.") and v.dtype.kind in "fiu" and "_runtime" in scols][:24]
    if sys_charts:
        parts.append("<details><summary>System</summary><div>" + "".join(sys_charts) + "</div></details>")
    parts.append("<details><summary>Summary</summary>" + kv_table(r.summary) + "</details>")
    parts.append("<details><summary>Config</summary>" + kv_table(r.config) + "</details>")
    parts.append("</div>")
    return "".join(parts)
