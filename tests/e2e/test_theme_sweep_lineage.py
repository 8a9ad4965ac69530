"""Issue 16, dark theme: the sweep widget (progress line, trials table, best line, its Bokeh charts)
and the lineage views (the run panel's Artifacts tab and the sidebar's Lineage tab) are readable
in JupyterLab's light and dark theme: every text vs what is behind it (for SVG text, the node box
it sits on) >= 4.5:1 (WCAG AA), read from Chromium's computed styles; the sweep's Bokeh figures
follow the theme. Screenshots of each view in both themes go to test-artifacts/e2e/."""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .test_theme_contrast import JS_BOKEH, JS_CONTRAST, _set_theme, bokeh_failures

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

CELLS = [
    "%load_ext py_tracker\nimport py_tracker as pt",
    (
        "prep = pt.init(project='e2e-dark', name='prep', settings={'display': False, 'monitor_interval': None})\n"
        "art = pt.Artifact('digits', 'dataset')\n"
        "with art.new_file('train.csv') as f:\n    f.write('1,2\\n')\n"
        "prep.log_artifact(art)\nprep.finish()\n"
        "train = pt.init(project='e2e-dark', name='train', settings={'monitor_interval': None})\n"
        "train.use_artifact('digits:latest')\ntrain.log({'loss': 1.0})\ntrain.finish()"
    ),
    (
        "%%track --project e2e-dark --id trial --no-display\n"
        "for i in range(3):\n    pt.log({'loss': float(pt.config.get('lr', 1.0)) / (i + 1)})"
    ),
    (
        "cfg = {'method': 'grid', 'metric': {'name': 'loss'}, 'parameters': {'lr': {'values': [1.0, 2.0]}}}\n"
        "w = %track sweep cfg --cell trial --project e2e-dark\nw"
    ),
]

# SVG text against the fill of the node box it sits on (the <rect> of its <g>), composited over
# the page behind the SVG; one entry per text
JS_SVG_TEXT = """(sel) => {
  const parse = (c) => { let m = c.match(/rgba?\\(([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
    m = c.match(/color\\(srgb ([^)]+)\\)/);
    if (m) { const p = m[1].split(/[\\s\\/]+/).filter(Boolean).map(Number); return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1]; }
    return null; };
  const over = (t, u) => [0, 1, 2].map(i => t[i] * t[3] + u[i] * (1 - t[3])).concat([1]);
  const lum = (c) => { const v = c.slice(0, 3).map(x => { x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const page = (el) => { let bg = [255, 255, 255, 1]; const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(getComputedStyle(e).backgroundColor);
    for (const c of chain.reverse()) { const p = parse(c); if (p && p[3] > 0) bg = over(p, bg); } return bg; };
  const out = [];
  for (const t of document.querySelectorAll(sel)) {
    if (!t.textContent.trim() || t.getClientRects().length === 0) continue;
    const svg = t.closest('svg');
    let bg = page(svg.parentElement);
    const rect = t.parentElement.querySelector('rect');
    if (rect) { const f = parse(getComputedStyle(rect).fill); if (!f) return [{text: 'unparsed fill ' + getComputedStyle(rect).fill, ratio: 0}];
                bg = over(f, bg); }
    const fg = over(parse(getComputedStyle(t).fill) || [0, 0, 0, 0], bg);
    const [a, b] = [lum(fg), lum(bg)];
    out.push({text: t.textContent.slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
              fg: getComputedStyle(t).fill, bg: bg.map(Math.round).join(',')});
  }
  return out;
}"""

SELECTORS = {
    "sweep-progress": ".py-tracker-sweep-progress b, .py-tracker-sweep-phase",
    "sweep-trials": ".py-tracker-sweep-trials td, .py-tracker-sweep-trials th",
    "sweep-best": ".py-tracker-best-line",
}


def test_sweep_widget_and_lineage_readable_in_light_and_dark(lab, page):
    lab.write_notebook("dark.ipynb", CELLS)
    lab.open(page, "dark.ipynb")
    lab.run_all(page)
    widget = page.locator(".py-tracker-sweep").first
    widget.wait_for(timeout=90_000)
    page.wait_for_function("() => { const b = document.querySelector('.py-tracker-start-button');"
                           " return b && !b.disabled; }", timeout=60_000)
    widget.locator(".py-tracker-start-button").click()
    widget.locator(".py-tracker-sweep-phase", has_text="finished").wait_for(timeout=90_000)

    # the run panel's Artifacts tab: the lineage SVG
    panel = page.locator(".py-tracker-panel").filter(has_text="train").first
    panel.locator(".lm-TabBar-tab", has_text="Artifacts").first.click()
    panel.locator(".pyt-lineage svg text").first.wait_for(timeout=30_000)
    widget.locator(".lm-TabBar-tab", has_text="Trials").first.click()
    widget.locator(".py-tracker-sweep-trials tr.py-tracker-trial").nth(1).wait_for(timeout=30_000)
    widget.locator(".py-tracker-best-line").first.wait_for(timeout=30_000)
    # the sidebar's Lineage tab of the same run
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    row = page.locator(".jp-PyTracker-runRow").filter(has=page.locator(".jp-PyTracker-runName", has_text="train"))
    row.first.wait_for(timeout=60_000)
    row.first.locator(".jp-PyTracker-runName").click()
    view = page.locator(".jp-PyTracker-runView").filter(has=page.locator(".jp-PyTracker-runTitle", has_text="train"))
    view.locator(".jp-PyTracker-tab[data-tab='Lineage']").click()
    view.locator(".jp-PyTracker-lineage text").first.wait_for(timeout=30_000)

    def show(what: str) -> None:  # bring the notebook or the run view to the front, as a user does
        if what == "view":
            row.first.locator(".jp-PyTracker-runName").click()
            view.wait_for(state="visible", timeout=10_000)
        else:
            page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p})", "dark.ipynb")
            widget.wait_for(state="visible", timeout=10_000)
        page.wait_for_timeout(400)

    failures = []
    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        show("view")
        view.screenshot(path=str(ARTIFACTS / f"theme-{theme}-sidebar-lineage.png"))
        got = {"sidebar-lineage": page.evaluate(JS_SVG_TEXT, ".jp-PyTracker-lineage text")}
        show("notebook")
        for name, loc in (("sweep-widget", widget), ("panel-lineage", panel.locator(".pyt-lineage").first)):
            loc.scroll_into_view_if_needed()
            loc.screenshot(path=str(ARTIFACTS / f"theme-{theme}-{name}.png"))
        got.update(page.evaluate(JS_CONTRAST, SELECTORS))
        got["panel-lineage"] = page.evaluate(JS_SVG_TEXT, ".py-tracker-panel .pyt-lineage svg text")
        for view_name, items in got.items():
            assert items, f"{theme}: no text found for {view_name}"
            failures += [(theme, view_name, it) for it in items if it["ratio"] < 4.5]
        widget.locator(".lm-TabBar-tab", has_text="Charts").first.click()
        widget.locator(".py-tracker-sweep-charts .py-tracker-chart canvas").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the lab extension restyles the Bokeh figures within 1 s
        figs = page.evaluate(JS_BOKEH, ".py-tracker-sweep")
        assert figs, "no Bokeh figure in the sweep widget"
        failures += [(theme, "sweep", problem) for problem in bokeh_failures(figs, dark)]
        widget.locator(".lm-TabBar-tab", has_text="Trials").first.click()
    assert not failures, "\n".join(map(str, failures[:20]))
