"""`report()`: one self-contained HTML file about some runs, a project or a sweep.

The file holds BokehJS inline (only its core bundle, ~1.3 MB) and every chart's
data, so it opens offline in any browser and can be mailed or attached. Long
histories are reduced to about `max_points` points per line keeping each
bucket's min and max, so 20 runs × 5 metrics × 100k steps stay a few MB.
"""
from __future__ import annotations

import datetime as _dt
import os
from html import escape
from pathlib import Path
from typing import Any, Sequence

from ..errors import UsageError
from ..storage.atomic import atomic_write
from ..sweeps.best import metric_value
from ..sweeps.importance import importance_html, parameter_importance
from . import charts, data, markdown, page, reproduce
from . import media as report_media


def _time(t: Any) -> str:
    try:
        return _dt.datetime.fromtimestamp(float(t)).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError, OSError):
        return ""


def _sections_html(sections: Sequence[Any] | None) -> list[str]:
    out = []
    for i, s in enumerate(sections or []):
        if isinstance(s, str):
            title, text = None, s
        elif isinstance(s, dict):
            title, text = s.get("title"), s.get("markdown", s.get("text", ""))
        elif isinstance(s, (tuple, list)) and len(s) == 2:
            title, text = s
        else:
            raise UsageError(f"sections[{i}] must be markdown text, {{'title': ..., 'markdown': ...}} "
                             f"or (title, markdown); got {type(s).__name__}")
        head = f"<h2>{escape(str(title))}</h2>" if title else ""
        out.append(f'<section class="notes" id="notes-{i}">{head}{markdown.render(str(text))}</section>')
    return out


def _label_and_colour(runs: list[data.RunData], group_runs: bool) -> dict[str, list[data.RunData]]:
    """Give each run a unique label and a colour; return the groups drawn as mean + band."""
    names = [str(r.api_run.name or r.id) for r in runs]
    for r, n in zip(runs, names):
        r.label = n if names.count(n) == 1 else f"{n} ({r.id})"
    groups: dict[str, list[data.RunData]] = {}
    if group_runs:
        for r in runs:
            g = r.api_run.group
            if g:
                groups.setdefault(str(g), []).append(r)
        groups = {g: rs for g, rs in groups.items() if len(rs) >= 2}
    grouped = {r.id for rs in groups.values() for r in rs}
    singles = [r for r in runs if r.id not in grouped]
    colours = charts.palette(len(singles) + len(groups))
    for r, c in zip(singles, colours):
        r.color = c
    for (g, rs), c in zip(groups.items(), colours[len(singles):]):
        for r in rs:
            r.color = c
    return groups


def _figures(runs: list[data.RunData], groups: dict, keys: list[str], stream: str, x_axis: str,
             max_points: int) -> list[Any]:
    grouped = {r.id for rs in groups.values() for r in rs}
    figs = []
    for key in keys:
        xs = {data.x_key(r, key, stream, x_axis) for r in runs if key in r.columns(stream)[1]}
        shown = xs.pop() if len(xs) == 1 else x_axis
        x_label = shown.lstrip("_") if stream == "history" else "runtime (s)"
        lines = []
        for r in runs:
            if r.id in grouped:
                continue
            x, y = data.series(r, key, stream, x_axis, max_points)
            if len(x):
                lines.append((r.label, r.color, x, y))
        bands = []
        for g, rs in groups.items():
            agg = data.aggregate(rs, key, stream, x_axis, max(10, max_points // 2))
            if agg is not None:
                bands.append((f"{g} ({len(rs)} runs)", rs[0].color, *agg))
        if lines or bands:
            figs.append((key, charts.metric_figure(key, lines, bands, x_label)))
    return figs


def _sweep_block(target: data.Target) -> tuple[str, Any]:
    sw = target.sweep or {}
    best, metric, goal = data.best_run(target)
    cfg = sw.get("config") or {}
    params = list((cfg.get("parameters") or {}).keys())
    if not params:  # no sweep record: the config keys that vary
        params = [k for k, _, differs in data.table_rows([r.config for r in target.runs]) if differs]
    runs = target.runs
    values = {p: [data.flatten(r.config).get(p) for r in runs] for p in params}
    values = {p: v for p, v in values.items() if any(x is not None for x in v)}
    if len(runs) > 1:  # constant parameters say nothing: left out, as W&B's panel does
        values = {p: v for p, v in values.items() if len({repr(x) for x in v}) > 1}
    scores = [metric_value(r.summary, metric, goal) if metric else None for r in runs]
    fig = charts.parallel_figure([r.label for r in runs], values, metric, scores if metric else None, goal) \
        if values and runs else None
    head = (f"<p>Sweep <code>{escape(str(sw.get('id', '')))}</code> {escape(str(sw.get('name') or ''))} — "
            f"{len(runs)} runs, method {escape(str(cfg.get('method', '?')))}, state "
            f"{escape(str(sw.get('state', '?')))}.</p>")
    if best is not None:
        rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(data.fmt(v))}</td></tr>"
                       for k, v in sorted(data.flatten(best.config).items()) if k in values or not values)
        head += (f'<div class="best"><strong>Best run:</strong> {page.swatch(best.color)}{escape(best.label)} '
                 f"(<code>{escape(best.id)}</code>) — {escape(str(metric))} = "
                 f"{escape(data.fmt(best.summary.get(metric)))} ({escape(goal)})"
                 f'<table class="kv">{rows}</table></div>')
    elif metric:
        head += f"<p class=\"meta\">No run has reported {escape(metric)} yet.</p>"
    if metric:
        flat = [data.flatten(r.config) for r in runs]
        head += importance_html(parameter_importance(flat, scores, list(values)), metric)
    return head, fig


def _lineage_block(tgt: data.Target) -> str:
    """The artifacts the runs used and logged, as a static SVG graph and a table."""
    try:
        from ..artifacts.drawing import lineage_svg
        from ..artifacts.lineage import runs_lineage
        graph = runs_lineage(tgt.root, [r.id for r in tgt.runs])
    except Exception:  # artifacts are optional in a report: never fail the report for them
        return ""
    if not graph["edges"]:
        return ""
    arts = [n for n in graph["nodes"] if n.get("kind") == "artifact"]
    rows = "".join(f"<tr><td><code>{escape(str(a.get('artifact')))}</code></td><td>{escape(str(a.get('type')))}</td>"
                   f"<td>{escape(', '.join(a.get('aliases') or []))}</td></tr>" for a in arts)
    return (f'<div class="wide">{lineage_svg(graph)}</div>'
            f"<table><tr><th>artifact</th><th>type</th><th>aliases</th></tr>{rows}</table>")


def _custom_figures(runs: list[data.RunData]) -> list[tuple[str, Any]]:
    """(title, figure) of each run's newest custom chart (`wandb.plot.*`), read from its summary."""
    from ..media import from_json
    from ..media.chart import chart_of
    from ..plot.figures import chart_figure
    figs = []
    for r in runs:
        for key, value in sorted(r.summary.items()):
            chart = chart_of(value)
            if chart is None:
                continue
            try:
                fig = chart_figure(chart, from_json(value, r.api_run.dir))
            except (OSError, ValueError, KeyError):
                continue  # a missing or damaged table file: the summary table still lists the key
            if fig is not None:
                figs.append((f"{chart.get('key') or key} · {r.label}" if len(runs) > 1 else str(chart.get("key") or key),
                             fig))
    return figs


def _tables_block(runs: list[data.RunData]) -> str:
    """Each run's newest logged `wandb.Table` (from its summary) as a sortable, filterable table
    with images in cells; custom charts (tables with a chart spec) are drawn elsewhere."""
    from ..media.chart import chart_of
    from ..media.table_grid import MAX_SHOWN, TableGrid
    out = []
    for r in runs:
        for key, value in sorted(r.summary.items()):
            if not (isinstance(value, dict) and value.get("_type") == "table-file") or chart_of(value) is not None:
                continue
            title = f"{key} · {r.label}" if len(runs) > 1 else str(key)
            try:
                grid = TableGrid.read(value, Path(r.api_run.dir))
            except (OSError, ValueError) as exc:
                out.append(f'<div class="table-view"><h3>{escape(title)}</h3>'
                           f'<p class="meta">cannot read this table: {escape(str(exc))}</p></div>')
                continue
            capped = len(grid.rows) > MAX_SHOWN
            out.append(f'<div class="table-view" data-key="{escape(str(key), quote=True)}"><h3>{escape(title)}</h3>'
                       f'<input type="search" placeholder="filter rows" aria-label="filter rows of {escape(title, quote=True)}">'
                       f'<div class="scroll">{grid.html()}</div>'
                       + (f'<p class="meta">Sorting and filtering apply to the {MAX_SHOWN} rows shown.</p>' if capped else "") + "</div>")
    return "".join(out)


def _embed(figs: list[Any], nonce: str) -> tuple[str, str, list[tuple[str, str]]]:
    """(head html, end-of-body html: chart data, BokehJS, lazy loader; (data id, div) per figure)."""
    if not figs:
        return "", "", []
    from bokeh.embed import json_item
    from bokeh.resources import Resources
    blocks, divs = [], []
    for i, fig in enumerate(figs):
        blocks.append(page.json_block(f"chart-data-{i}", json_item(fig, f"plot-{i}")))
        divs.append((f"chart-data-{i}", f'<div class="plot" id="plot-{i}"></div>'))
    # BokehJS goes at the end of the body: the text of the report shows while it loads.
    bokeh_js = page.add_nonce(Resources(mode="inline", components=["bokeh"]).render_js(), nonce)
    tail = "\n".join(blocks) + "\n" + bokeh_js + f'\n<script nonce="{nonce}">{page.LAZY_JS}</script>'
    return "", tail, divs


def report(target: Any = None, title: str | None = None, description: str | None = None,
           path: str | os.PathLike[str] = "report.html", metrics: Sequence[str] | None = None,
           sections: Sequence[Any] | None = None, root: str | os.PathLike[str] | None = None, *,
           runs: Any = None, project: str | None = None, sweep: Any = None, system: bool = True,
           group_runs: bool = True, max_points: int = 500, x_axis: str = "_step",
           reproduce_code: bool = True, media: bool = True) -> Path:
    """Write a self-contained HTML report and return its path.

    target: runs (Run, ApiRun, "project/id", ids), a project name, or a sweep
    (id or handle); or pass runs=/project=/sweep=. metrics: keys or globs to
    chart (default: every numeric key). sections: markdown notes (escaped; no
    HTML or script from them reaches the page). Runs sharing a `group` are
    drawn as their mean with a min–max band (group_runs=False draws each).
    media: the Images section (each image key with a step slider, images inlined, bounded as
    `py_tracker.reporting.media` says) and the Histograms section (a heatmap over steps per
    histogram key); media=False leaves both out.
    """
    chosen = [t for t in (target, runs, project, sweep) if t is not None]
    if len(chosen) != 1:
        raise UsageError("report() takes one of: runs, a project name or a sweep (e.g. report('my-project'))")
    if not isinstance(max_points, int) or max_points < 10:
        raise UsageError(f"max_points must be an int >= 10; got {max_points!r}")
    if isinstance(metrics, str):
        metrics = [metrics]
    tgt = data.resolve(chosen[0], root)
    groups = _label_and_colour(tgt.runs, group_runs)
    keys = data.metric_keys(tgt.runs, list(metrics) if metrics is not None else None)
    metric_figs = _figures(tgt.runs, groups, keys, "history", x_axis, max_points)
    sys_figs = _figures(tgt.runs, groups, data.system_keys(tgt.runs), "system", x_axis, max_points) \
        if system else []
    sweep_html, par_fig = _sweep_block(tgt) if tgt.sweep is not None else ("", None)
    custom_figs = _custom_figures(tgt.runs)
    hist_figs = report_media.histogram_figures(tgt.runs) if media else []

    all_figs = [f for _, f in metric_figs] + [f for _, f in sys_figs] + ([par_fig] if par_fig is not None else []) \
        + [f for _, f in custom_figs] + [f for _, f, _ in hist_figs]
    nonce = page.new_nonce()
    head_scripts, tail_scripts, divs = _embed(all_figs, nonce)
    m, n_sys = len(metric_figs), len(sys_figs)
    metric_divs, sys_divs = list(divs[:m]), list(divs[m:m + n_sys])
    par_div = divs[m + n_sys] if par_fig is not None else None
    c0 = m + n_sys + (1 if par_fig is not None else 0)
    custom_divs = divs[c0:c0 + len(custom_figs)]
    hist_divs = divs[c0 + len(custom_figs):]

    if title is None:
        title = (f"Sweep {tgt.sweep.get('name') or tgt.sweep.get('id')}" if tgt.sweep
                 else f"Project {tgt.project}" if isinstance(chosen[0], str) and tgt.project == chosen[0]
                 else tgt.runs[0].label if len(tgt.runs) == 1 else f"{len(tgt.runs)} runs")
    body = [f"<header><h1>{escape(str(title))}</h1><div class=\"meta\">{len(tgt.runs)} run(s)"
            f"{' in project ' + escape(tgt.project) if tgt.project else ''} · generated "
            f"{escape(_time(_dt.datetime.now().timestamp()))} by py_tracker</div></header>"]
    if description:
        body.append(f'<div class="notes">{markdown.render(str(description))}</div>')
    body.extend(_sections_html(sections))
    in_group = {r.id for rs in groups.values() for r in rs}
    legend = page.legend([(r.label, r.color) for r in tgt.runs if r.id not in in_group]
                         + [(f"{g} (mean of {len(rs)}, band min–max)", rs[0].color) for g, rs in groups.items()])

    def grid(figs: list, fig_divs: list) -> str:
        cells = "".join(f'<div class="chart" data-key="{escape(k)}" data-item="{item}">{d}</div>'
                        for (k, _), (item, d) in zip(figs, fig_divs))
        return legend + f'<div class="grid">{cells}</div>'

    parts = [("runs", "Runs", page.runs_table(tgt.runs, _time))]
    if tgt.sweep is not None:
        par = (f'<div class="chart" data-key="parallel-coordinates" data-item="{par_div[0]}">{par_div[1]}</div>'
               if par_div else "")
        parts.append(("sweep", "Sweep", sweep_html + par))
    if metric_figs or not sys_figs:
        parts.append(("charts", "Charts", grid(metric_figs, metric_divs) if metric_figs
                      else '<p class="meta">These runs logged no numeric metrics.</p>'))
    if custom_figs:
        cells = "".join(f'<div class="chart" data-key="{escape(k)}" data-item="{item}">{d}</div>'
                        for (k, _), (item, d) in zip(custom_figs, custom_divs))
        parts.append(("custom-charts", "Custom charts", f'<div class="grid">{cells}</div>'))
    images_html = report_media.images_block(tgt.runs) if media else ""
    if images_html:
        parts.append(("images", "Images", images_html))
        tail_scripts += f'\n<script nonce="{nonce}">{report_media.IMAGES_JS}</script>'
    if hist_figs:
        cells = "".join(f'<div class="chart" data-key="{escape(k)}" data-item="{item}">{d}{note}</div>'
                        for (k, _, note), (item, d) in zip(hist_figs, hist_divs))
        parts.append(("histograms", "Histograms", f'<div class="grid">{cells}</div>'))
    tables_html = _tables_block(tgt.runs)
    if tables_html:
        parts.append(("tables", "Tables", tables_html))
        tail_scripts += f'\n<script nonce="{nonce}">{page.TABLE_JS}</script>'
    if sys_figs:
        parts.append(("system", "System", grid(sys_figs, sys_divs)))
    lineage_html = _lineage_block(tgt)
    if lineage_html:
        parts.append(("lineage", "Artifacts and lineage", lineage_html))
    labels = [(r.label, r.color) for r in tgt.runs]
    parts.append(("config", "Config", page.compare_table(
        labels, data.table_rows([r.config for r in tgt.runs]), "No config was recorded.")))
    parts.append(("summary", "Summary", page.compare_table(
        labels, data.table_rows([r.summary for r in tgt.runs]), "No summary values were recorded.")))
    if reproduce_code:
        blocks = "".join(f'<details class="run-repro"><summary>{page.swatch(r.color)}{escape(r.label)} '
                         f'<code>{escape(r.id)}</code></summary>{reproduce.section(r.api_run, r.config)}</details>'
                         for r in tgt.runs)
        parts.append(("reproduce", "Reproduce", blocks))
    body.insert(1, "<nav>" + "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t, _ in parts) + "</nav>")
    body.extend(page.section(a, t, inner) for a, t, inner in parts)
    body.append("<footer>Made with py_tracker. This file is self-contained: it works offline; charts are "
                "interactive (drag to pan, scroll to zoom, hover for values).</footer>")
    if images_html:
        head_scripts += f"<style>{report_media.CSS}</style>"
    html_text = page.shell(str(title), "\n".join(body), head_scripts, nonce, tail_scripts)
    return _write(Path(path), html_text)


def _write(path: Path, text: str) -> Path:
    return atomic_write(path.expanduser().resolve(), text)