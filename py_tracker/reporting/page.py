"""The HTML shell of a report: styles, a strict content-security policy, tables.

Every user-supplied string passes through `html.escape`. The page carries a
Content-Security-Policy that lets only its own script tags run (they carry a
random nonce): even if user text slipped through unescaped, an injected
`<script>` or `onerror=` handler would be refused by the browser, and nothing
can be fetched from the network.
"""
from __future__ import annotations

import re
import secrets
from html import escape
from typing import Any

from ..formats import duration_text, imported_text

# The colours are CSS variables, with a dark set under prefers-color-scheme: dark. The HTML the
# report shares with JupyterLab views (the lineage drawing, the importance table) reads
# JupyterLab's variable names: they are defined here from the page's own.
CSS = """
:root{color-scheme:light dark;--fg:#1d1d1f;--muted:#6b6b70;--line:#e3e3e8;--bg:#ffffff;--panel:#f7f7f9;--diff:#fff4d6;
--accent:#2f6fde;--chart:#ffffff;--grid:#e5e5ea;--best:#e7f6ea;--best-line:#9bd3a7;--tag:#eeeeff;--warn:#8a5a00;
--ok:#237a37;--bad:#c92a2a;--run:#1864ab;
--jp-success-color1:var(--ok);--jp-error-color1:var(--bad);--jp-brand-color1:var(--accent);--jp-warn-color1:var(--warn);
--jp-ui-font-color1:var(--fg);--jp-ui-font-color2:var(--muted);--jp-layout-color0:var(--bg);--jp-layout-color2:var(--panel);
--jp-border-color0:var(--muted)}
@media (prefers-color-scheme: dark){:root{--fg:#e8e8ec;--muted:#a6a6ae;--line:#3a3a42;--bg:#16161a;--panel:#222228;
--diff:#4a3a10;--accent:#7eaaff;--chart:#1d1d22;--grid:#34343c;--best:#173521;--best-line:#2f6b3f;--tag:#2c2c4a;
--warn:#f0b44c;--ok:#63d47a;--bad:#ff7b7b;--run:#6cb6ff}}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1280px;margin:0 auto;padding:24px 28px 60px}
header h1{margin:0 0 4px;font-size:26px}
.meta{color:var(--muted);font-size:12px}
.imported{color:var(--muted);font-size:11px;font-style:italic}
nav{margin:14px 0 8px;display:flex;flex-wrap:wrap;gap:6px 14px;font-size:13px}
nav a{color:var(--accent);text-decoration:none}
section{margin-top:30px}
section>h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px}
.notes{background:var(--panel);border-radius:8px;padding:4px 16px;margin-top:14px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:14px}
.chart{border:1px solid var(--line);border-radius:8px;padding:6px;min-height:290px;background:var(--chart)}
table{border-collapse:collapse;font-size:13px}
.wide{overflow-x:auto;max-width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top;white-space:nowrap}
td.v{font-variant-numeric:tabular-nums}
tr.differs td,tr.differs th{background:var(--diff)}
tr.differs th::before{content:"≠ ";color:var(--warn)}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px;vertical-align:middle}
.best{background:var(--best);border:1px solid var(--best-line);border-radius:8px;padding:8px 14px;margin:10px 0}
.kv th{color:var(--muted);font-weight:500}
pre.code,pre code{background:var(--panel);border-radius:6px;padding:10px;overflow:auto;max-height:420px;font-size:12px;white-space:pre}
details{margin:6px 0}
summary{cursor:pointer}
.run-repro>summary{font-weight:600;font-size:15px}
.tag{display:inline-block;background:var(--tag);border-radius:4px;padding:0 6px;margin-right:4px;font-size:12px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:6px 0 12px}
.state-finished{color:var(--ok)}.state-failed,.state-crashed{color:var(--bad)}.state-running{color:var(--run)}
.table-view{margin:10px 0 18px}.table-view h3{font-size:15px;margin:6px 0}
.table-view input{margin:4px 0;padding:2px 6px;font-size:13px}
.table-view .scroll{overflow:auto;max-height:520px;max-width:100%}
.py-tracker-table th{cursor:pointer;position:sticky;top:0;background:var(--bg)}
.py-tracker-table th[data-sorted=asc]::after{content:" \\25B2"}.py-tracker-table th[data-sorted=desc]::after{content:" \\25BC"}
.py-tracker-table-note{color:var(--muted);font-size:12px}
footer{margin-top:40px;color:var(--muted);font-size:12px}
"""


# Charts are drawn lazily: those on (or near) the screen first, the rest one at a time
# while the browser is idle, so the first screen is ready in about the time BokehJS
# takes to load, whatever the number of charts. Chart data sits in inert
# <script type="application/json"> blocks read with JSON.parse (no eval).
LAZY_JS = """
(function () {
  "use strict";
  var pending = Array.prototype.slice.call(document.querySelectorAll(".chart[data-item]"));
  var visible = new Set(), busy = false;
  // BokehJS draws on a canvas: CSS cannot recolour it, so every figure takes the page's
  // colours (light, or dark under prefers-color-scheme: dark) from its CSS variables
  function colour(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }
  function setv(model, values) {
    var changed = {}, any = false;
    Object.keys(values).forEach(function (k) {
      if (k in model && model[k] !== values[k]) { changed[k] = values[k]; any = true; }
    });
    if (any) { model.setv(changed); }
  }
  function restyle() {
    var c = {bg: colour("--chart"), fg: colour("--fg"), muted: colour("--muted"), grid: colour("--grid"),
             line: colour("--line")};
    (Bokeh.documents || []).forEach(function (doc) {
      doc.roots().forEach(function (fig) {
        if (!("background_fill_color" in fig)) { return; }
        setv(fig, {background_fill_color: c.bg, border_fill_color: c.bg, outline_line_color: c.line});
        if (fig.title && fig.title.setv) { setv(fig.title, {text_color: c.fg}); }
        [].concat(fig.left || [], fig.right || [], fig.above || [], fig.below || [], fig.center || [])
          .forEach(function (p) {
            var type = (p && p.type) || "";
            if (/Axis$/.test(type)) {
              setv(p, {axis_label_text_color: c.fg, major_label_text_color: c.fg, axis_line_color: c.muted,
                       major_tick_line_color: c.muted, minor_tick_line_color: c.muted});
            } else if (type === "Grid") {
              setv(p, {grid_line_color: c.grid});
            } else if (type === "Legend") {
              setv(p, {background_fill_color: c.bg, border_line_color: c.line, label_text_color: c.fg,
                       title_text_color: c.fg});
            } else if (type === "ColorBar") {
              setv(p, {background_fill_color: c.bg, major_label_text_color: c.fg, title_text_color: c.fg,
                       major_tick_line_color: c.muted});
            }
          });
        (fig.renderers || []).forEach(function (r) {  // the parallel axes' lines and tick labels
          if (r.name !== "ink" || !r.glyph) { return; }
          if (r.glyph.type === "Text") { setv(r.glyph, {text_color: c.fg}); } else { setv(r.glyph, {line_color: c.muted}); }
        });
      });
    });
  }
  if (window.matchMedia) {
    var scheme = window.matchMedia("(prefers-color-scheme: dark)");
    if (scheme.addEventListener) { scheme.addEventListener("change", restyle); }
  }
  function idle(fn) {
    if (window.requestIdleCallback) { window.requestIdleCallback(fn, {timeout: 150}); } else { setTimeout(fn, 1); }
  }
  function draw(el) {
    var plot = el.querySelector(".plot");
    var item = JSON.parse(document.getElementById(el.getAttribute("data-item")).textContent);
    return Promise.resolve().then(function () { return Bokeh.embed.embed_item(item, plot.id); })
      .then(function () { restyle(); })
      .catch(function (e) { plot.textContent = "This chart could not be drawn: " + e; })
      .then(function () { el.setAttribute("data-rendered", "1"); });
  }
  function next() {
    if (busy || !pending.length) { return; }
    var i = pending.findIndex(function (el) { return visible.has(el); });
    var el = pending.splice(i < 0 ? 0 : i, 1)[0];
    busy = true;
    draw(el).then(function () {
      busy = false;
      if (pending.some(function (p) { return visible.has(p); })) { next(); } else { idle(next); }
    });
  }
  if ("IntersectionObserver" in window) {
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { visible.add(e.target); } else { visible.delete(e.target); } });
      next();
    }, {rootMargin: "400px"});
    pending.forEach(function (el) { io.observe(el); });
  }
  window.addEventListener("beforeprint", function () { while (pending.length) { draw(pending.shift()); } });
  next();
})();
"""


# Logged tables (`.table-view` blocks, drawn by `media.table_grid`): click a header to sort
# (numbers by value, then text, empty cells last; again to reverse), type to filter rows.
# Only addEventListener, no inline handlers: the CSP allows this nonce'd script alone.
TABLE_JS = """
(function () {
  "use strict";
  function key(td) {
    if (!td || !td.hasAttribute("data-sort")) { return null; }
    var v = td.getAttribute("data-sort");
    return td.hasAttribute("data-num") ? [0, parseFloat(v)] : [1, v];
  }
  document.querySelectorAll(".table-view").forEach(function (box) {
    var table = box.querySelector("table"), body = table.tBodies[0], input = box.querySelector("input");
    var rows = Array.prototype.slice.call(body.rows), col = -1, desc = false;
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, c) {
      th.addEventListener("click", function () {
        desc = c === col ? !desc : false; col = c;
        var full = rows.filter(function (r) { return key(r.cells[c]) !== null; });
        var empty = rows.filter(function (r) { return key(r.cells[c]) === null; });
        full.sort(function (a, b) {
          var x = key(a.cells[c]), y = key(b.cells[c]);
          var d = x[0] !== y[0] ? x[0] - y[0] : (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0);
          return desc ? -d : d;
        });
        full.concat(empty).forEach(function (r) { body.appendChild(r); });
        heads.forEach(function (h) { h.removeAttribute("data-sorted"); });
        th.setAttribute("data-sorted", desc ? "desc" : "asc");
      });
    });
    if (input) {
      input.addEventListener("input", function () {
        var q = input.value.trim().toLowerCase();
        rows.forEach(function (r) { r.style.display = !q || r.textContent.toLowerCase().indexOf(q) >= 0 ? "" : "none"; });
      });
    }
  });
})();
"""


def json_block(block_id: str, doc: object) -> str:
    """Inert JSON in the page: `<`, `>` and `&` are \\u-escaped so no text can close the block."""
    import json
    text = json.dumps(doc, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{escape(block_id)}">{text}</script>'


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def add_nonce(scripts_html: str, nonce: str) -> str:
    """Give our own (trusted, library-generated) script tags the page's nonce."""
    return re.sub(r"<script(?=[\s>])", f'<script nonce="{nonce}"', scripts_html)


def shell(title: str, body: str, head_scripts: str, nonce: str, tail_scripts: str = "") -> str:
    csp = (f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; "
           f"img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'")
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"py_tracker report\">\n"
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n{head_scripts}\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n{tail_scripts}\n</body>\n</html>\n")


def swatch(color: str) -> str:
    return f'<span class="sw" style="background:{escape(color)}"></span>'


def section(anchor: str, title: str, inner: str) -> str:
    return f'<section id="{escape(anchor)}"><h2>{escape(title)}</h2>\n{inner}\n</section>'


def compare_table(labels: list[tuple[str, str]], rows: list[tuple[str, list[str], bool]], empty: str) -> str:
    """A key × run table; rows whose values differ between runs are highlighted."""
    if not rows:
        return f"<p class=\"meta\">{escape(empty)}</p>"
    head = "".join(f"<th>{swatch(c)}{escape(n)}</th>" for n, c in labels)
    body = []
    for key, vals, differs in rows:
        cells = "".join(f'<td class="v">{escape(v)}</td>' for v in vals)
        cls = ' class="differs"' if differs else ""
        body.append(f"<tr{cls}><th>{escape(key)}</th>{cells}</tr>")
    n_diff = sum(1 for r in rows if r[2])
    note = (f"<p class=\"meta\">{n_diff} of {len(rows)} keys differ between runs (highlighted).</p>"
            if len(labels) > 1 else "")
    return f"{note}<div class=\"wide\"><table><tr><th>key</th>{head}</tr>{''.join(body)}</table></div>"


def runs_table(runs: list[Any], fmt_time: Any) -> str:
    head = ("<tr><th>run</th><th>id</th><th>project</th><th>group</th><th>job type</th><th>state</th>"
            "<th>created</th><th>runtime</th><th>steps</th><th>tags</th></tr>")
    rows = []
    for r in runs:
        rec = r.record
        state = str(rec.get("state") or "")
        tags = "".join(f'<span class="tag">{escape(str(t))}</span>' for t in rec.get("tags") or [])
        origin = imported_text(rec.get("imported"))
        origin = f'<div class="imported">{escape(origin)}</div>' if origin else ""
        rows.append(
            f"<tr><td>{swatch(r.color)}{escape(r.label)}{origin}</td><td><code>{escape(r.id)}</code></td>"
            f"<td>{escape(str(rec.get('project') or ''))}</td><td>{escape(str(rec.get('group') or ''))}</td>"
            f"<td>{escape(str(rec.get('job_type') or ''))}</td>"
            f"<td class=\"state-{escape(re.sub(r'[^a-z]', '', state))}\">{escape(state)}</td>"
            f"<td>{escape(fmt_time(rec.get('created_at')))}</td><td>{escape(duration_text(rec.get('runtime')))}</td>"
            f"<td>{int(rec.get('last_step', -1)) + 1}</td><td>{tags}</td></tr>")
    return f"<div class=\"wide\"><table>{head}{''.join(rows)}</table></div>"


def legend(items: list[tuple[str, str]]) -> str:
    return '<div class="legend">' + "".join(f"<span>{swatch(c)}{escape(n)}</span>" for n, c in items) + "</div>"
