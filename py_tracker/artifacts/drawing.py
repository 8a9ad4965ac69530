"""Draw a lineage graph (from `lineage()`) as a small static SVG or as text lines.

For the run panel's Artifacts tab, the sidebar and reports: the SVG needs no
JavaScript (an `ipywidgets.HTML` value, or an <img> via a data: URL), and every
label in it is escaped. Layout: a layered DAG — a node's column is the length of
the longest path reaching it, so data flows left to right
(dataset → training run → model → evaluation run).
"""
from __future__ import annotations

from html import escape

NODE_W, NODE_H, GAP_X, GAP_Y, PAD = 150, 34, 46, 14, 8
COLOURS = {"run": "#e8eefc", "dataset": "#e7f6ea", "model": "#fdf0e2"}
# JupyterLab's theme variables (fallbacks for nbconvert/reports/<img>), so the graph follows the dark
# theme as the sidebar's does (labextension/src/widgets/lineage.ts): a box is a tint of the kind's
# colour over the page background (the theme's `*-color3` levels stay light in the dark theme)
THEMED = {"run": "--jp-brand-color1,#1976d2", "dataset": "--jp-success-color1,#388e3c",
          "model": "--jp-warn-color1,#f57c00"}
TEXT = "fill:var(--jp-ui-font-color1,#000)"
EDGE = "var(--jp-ui-font-color2,#888)"


def _fill(kind: str) -> str:
    if kind in THEMED:
        return f"fill:{COLOURS[kind]};fill:color-mix(in srgb,var({THEMED[kind]}) 22%,var(--jp-layout-color0,#fff))"
    return "fill:var(--jp-layout-color2,#f1f1f4)"


def _columns(graph: dict) -> dict[str, int]:
    ids = [n["id"] for n in graph["nodes"]]
    preds: dict[str, list[str]] = {i: [] for i in ids}
    for e in graph["edges"]:
        if e["source"] in preds and e["target"] in preds:
            preds[e["target"]].append(e["source"])
    col: dict[str, int] = {}

    def depth(i: str, seen: frozenset) -> int:
        if i in col:
            return col[i]
        if i in seen:  # a cycle cannot happen in lineage, but never loop forever
            return 0
        d = max((depth(p, seen | {i}) + 1 for p in preds[i]), default=0)
        col[i] = d
        return d
    for i in ids:
        depth(i, frozenset())
    return col


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def lineage_svg(graph: dict, highlight: str | None = None) -> str:
    """An SVG string of the graph; `highlight` is a node id drawn with a thick border."""
    nodes = graph.get("nodes") or []
    if not nodes:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30"><text x="4" y="20" ' \
               'font-family="sans-serif" font-size="12" style="fill:var(--jp-ui-font-color2,#555)">No lineage yet.</text></svg>'
    col = _columns(graph)
    rows: dict[int, int] = {}
    pos: dict[str, tuple[float, float]] = {}
    for n in nodes:
        c = col[n["id"]]
        r = rows.get(c, 0)
        rows[c] = r + 1
        pos[n["id"]] = (PAD + c * (NODE_W + GAP_X), PAD + r * (NODE_H + GAP_Y))
    width = PAD * 2 + (max(col.values()) + 1) * (NODE_W + GAP_X) - GAP_X
    height = PAD * 2 + max(rows.values()) * (NODE_H + GAP_Y) - GAP_Y
    skips = [e for e in graph.get("edges") or []
             if e["source"] in pos and e["target"] in pos and col[e["target"]] - col[e["source"]] != 1]
    height += 30 if skips else 0
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" style="fill:var(--jp-ui-font-color2,#888)"/></marker></defs>']
    for e in graph.get("edges") or []:
        if e["source"] not in pos or e["target"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
        if e in skips:  # jumps over a column: a curve below the nodes, never hidden behind one
            sx, sy, tx, ty = x1 + NODE_W / 2, y1 + NODE_H, x2 + NODE_W / 2, y2 + NODE_H
            out.append(f'<path d="M {sx} {sy} C {sx} {sy + 26} {tx} {ty + 26} {tx} {ty}" fill="none" '
                       f'style="stroke:{EDGE}" stroke-width="1.2" stroke-dasharray="4 3" marker-end="url(#arrow)"/>')
            continue
        out.append(f'<line x1="{x1 + NODE_W}" y1="{y1 + NODE_H / 2}" x2="{x2}" y2="{y2 + NODE_H / 2}" '
                   f'style="stroke:{EDGE}" stroke-width="1.2" marker-end="url(#arrow)"/>')
    for n in nodes:
        x, y = pos[n["id"]]
        is_run = n.get("kind") == "run"
        fill = _fill("run" if is_run else str(n.get("type")))
        stroke = 3 if n["id"] == highlight else 1
        rx = 4 if is_run else 16
        sub = (n.get("job_type") or "run") if is_run else f"{n.get('type', '')} {' '.join(n.get('aliases') or [])}"
        out.append(f'<g><title>{escape(str(n["id"]))}</title>'
                   f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="{rx}" '
                   f'style="{fill};stroke:var(--jp-border-color0,#555)" stroke-width="{stroke}"/>'
                   f'<text x="{x + 8}" y="{y + 14}" font-weight="600" style="{TEXT}">'
                   f'{escape(_short(str(n.get("label", ""))))}</text>'
                   f'<text x="{x + 8}" y="{y + 27}" style="{TEXT}">{escape(_short(str(sub), 26))}</text></g>')
    out.append("</svg>")
    return "".join(out)


def lineage_text(graph: dict) -> list[str]:
    """One line per edge: 'prepare-digits → digits:v0', 'digits:v0 → train-1' ..."""
    label = {n["id"]: n.get("label", n["id"]) for n in graph.get("nodes") or []}
    return [f"{label.get(e['source'], e['source'])} → {label.get(e['target'], e['target'])}"
            for e in graph.get("edges") or []]
