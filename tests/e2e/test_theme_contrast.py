"""Issue 16, dark theme: the run panel (header, Config tab), compare (config diff), the runs
table (header buttons, cells, group rows) and the static snapshot are readable in JupyterLab's light and dark theme.

For every text element of those views Chromium's computed text colour is composited over
the computed backgrounds of its ancestors (alpha included) and the WCAG contrast ratio is
asserted >= 4.5:1. Screenshots of each view in both themes go to test-artifacts/e2e/.
Bokeh's canvas charts are checked through their models: background following the theme,
title and tick labels >= 4.5:1 against it.
"""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CELLS = [
    "import py_tracker as pt\nfrom py_tracker.notebook.tables.compare import compare\n"
    "from py_tracker.notebook.snapshot import run_snapshot\nfrom IPython.display import HTML, display\n"
    "runs = []\n"
    "for i, lr in enumerate((0.1, 0.01)):\n"
    "    run = pt.init(project='e2e-theme', name=f'r{i}', group='g', config={'lr': lr, 'bs': 32},\n"
    "                  settings={'display': i == 0})\n"
    "    for s in range(20):\n        run.log({'loss': lr * (20 - s)})\n"
    "    run.finish()\n    runs.append(pt.Api().run(run.id))",
    "display(compare(runs))",
    "table = pt.runs_table('e2e-theme')\ntable.group.value = 'group'\ndisplay(table)",
    "display(HTML(run_snapshot(runs[0]).replace('py-tracker-snapshot', 'py-tracker-snapshot pt-shown')))",
]

JS_CONTRAST = """(selectors) => {
  const parse = (c) => {
    let m = c.match(/rgba?\\(([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = c.match(/color\\(srgb ([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null;
  };
  const over = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const lum = (c) => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const background = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(getComputedStyle(e).backgroundColor);
    let bg = [255, 255, 255, 1];
    for (const c of chain.reverse()) { const p = parse(c); if (p && p[3] > 0) bg = over(p, bg); }
    return bg;
  };
  const out = {};
  for (const [name, sel] of Object.entries(selectors)) {
    const items = [];
    for (const el of document.querySelectorAll(sel)) {
      const text = (el.textContent || '').trim();
      if (!text || el.getClientRects().length === 0) continue;
      const st = getComputedStyle(el);
      const isSvg = el instanceof SVGElement;
      const fg = parse(isSvg ? st.fill : st.color);
      const bg = background(isSvg ? el.closest('div') : el);
      if (!fg) { items.push({text: text.slice(0, 30), ratio: 0, color: st.color}); continue; }
      const f = over(fg, bg);
      const [a, b] = [lum(f), lum(bg)];
      items.push({text: text.slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
                  fg: (isSvg ? st.fill : st.color), bg: bg.map(Math.round).join(',')});
    }
    out[name] = items;
  }
  return out;
}"""

SELECTORS = {
    "panel-header": ".py-tracker-panel .widget-html-content span, .py-tracker-panel .widget-html-content b",
    "panel-config": ".py-tracker-panel .pyt-t td, .py-tracker-panel .pyt-t th",
    "compare-diff": ".py-tracker-compare .pyt-t td, .py-tracker-compare .pyt-t th",
    "snapshot": ".pt-shown svg text, .pt-shown > div",
    "runs-table": ".py-tracker-runs .pyt-rt-c, .py-tracker-runs .pyt-rt-h button",
}


# colours of every Bokeh figure drawn inside `root` (the canvas is not CSS: read the models)
JS_BOKEH = """(root) => {
  const out = [];
  for (const v of ((window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots) || [])) {
    const m = v.model;
    if (!m || m.type !== 'Figure') continue;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (!host || !host.isConnected || !host.closest(root)) continue;
    const axes = [...m.left, ...m.below].filter(a => a.type.endsWith('Axis'));
    out.push({title: m.title ? m.title.text : '', bg: String(m.background_fill_color),
              border: String(m.border_fill_color), text: m.title ? String(m.title.text_color) : '',
              labels: axes.map(a => String(a.major_label_text_color))});
  }
  return out;
}"""


def _rgb(c: str) -> tuple[float, float, float]:
    import re
    c = c.strip()
    if c.startswith("#"):
        h = c[1:]
        h = "".join(ch * 2 for ch in h) if len(h) in (3, 4) else h
        return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]
    nums = [float(x) for x in re.findall(r"[\d.]+", c)]
    if c.startswith("rgba") and len(nums) == 4:  # composite over the figure (assumed opaque bg)
        return tuple(nums[:3])  # type: ignore[return-value]
    if c == "white":
        return (255, 255, 255)
    return tuple(nums[:3])  # type: ignore[return-value]


def _contrast(a: str, b: str) -> float:
    def lum(c):
        v = [x / 255 for x in _rgb(c)]
        v = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in v]
        return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]
    la, lb = lum(a), lum(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _set_theme(page, dark: bool) -> None:
    name = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})", name)
    page.wait_for_function("want => document.body.dataset.jpThemeLight === want",
                           arg="false" if dark else "true", timeout=30_000)
    page.wait_for_timeout(1500)


def bokeh_failures(figs: list[dict], dark: bool) -> list[str]:
    """What is wrong with the colours of `figs` (JS_BOKEH's answer) in the given theme: a
    background that does not follow the page's, or title / tick label text under 4.5:1."""
    page_bg = "#111111" if dark else "#ffffff"
    out = []
    for f in figs:
        if _contrast(f["bg"], page_bg) > 1.5:
            out.append(f"bokeh {f['title']}: background {f['bg']} does not follow the theme")
        for fg in [f["text"], *f["labels"]]:
            if fg and _contrast(fg, f["bg"]) < 4.5:  # "" : a figure without a title
                out.append(f"bokeh {f['title']}: text {fg} on {f['bg']}")
    return out


def test_views_readable_in_light_and_dark(lab, page):
    lab.write_notebook("theme.ipynb", CELLS)
    lab.open(page, "theme.ipynb")
    lab.run_all(page)
    panel = page.locator(".py-tracker-panel").first
    panel.wait_for(timeout=90_000)
    page.locator(".py-tracker-compare .pyt-diff").first.wait_for(timeout=90_000)
    page.locator(".pt-shown svg").first.wait_for(timeout=60_000)
    page.wait_for_function("() => document.querySelector('.py-tracker-panel').textContent.includes('finished')",
                           timeout=60_000)
    runs = page.locator(".py-tracker-runs").first
    runs.locator(".pyt-rt-grp").first.wait_for(timeout=60_000)
    runs.locator(".pyt-rt-h button", has_text="lr").first.click()  # a header click sorts, in the kernel
    page.wait_for_function("() => [...document.querySelectorAll('.py-tracker-runs .pyt-rt-h button')]"
                           ".some(b => b.textContent.trim() === 'lr ▲')", timeout=30_000)
    panel.locator(".lm-TabBar-tab", has_text="Config").first.click()
    panel.locator(".pyt-t td", has_text="lr").first.wait_for(timeout=30_000)
    failures = []
    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name, loc in (("panel", panel), ("compare", page.locator(".py-tracker-compare").first),
                          ("runs-table", runs), ("snapshot", page.locator(".pt-shown").first)):
            loc.scroll_into_view_if_needed()
            loc.screenshot(path=str(ARTIFACTS / f"theme-{theme}-{name}.png"))
        page.wait_for_timeout(1200)  # the lab extension restyles the Bokeh figures within 1 s
        figs = page.evaluate(JS_BOKEH, ".py-tracker-panel, .py-tracker-compare")
        assert len(figs) >= 2, figs  # the panel's chart and compare's
        failures += [(theme, problem) for problem in bokeh_failures(figs, dark)]
        got = page.evaluate(JS_CONTRAST, SELECTORS)
        for view, items in got.items():
            assert items, f"{theme}: no text found for {view}"
            failures += [(theme, view, it) for it in items if it["ratio"] < 4.5]
    assert not failures, failures[:12]
