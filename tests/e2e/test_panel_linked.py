"""The run panel's charts zoom and hover together, as W&B's (issue 16, "Hover and x-range synced
across a run's charts"), read from the BokehJS views Chromium draws: a box dragged on
`train/loss` gives `train/acc` (same `_step` axis) the same x-range while `val/loss` (drawn
against `epoch`) keeps its own; hovering `train/loss` draws a crosshair over `train/acc` at the
same step; the reset tool of one chart resets the others. Light and dark screenshots."""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .test_theme_contrast import _set_theme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CELL = (
    "import py_tracker as pt\n"
    "run = pt.init(project='e2e-link', name='linked', settings={'monitor_interval': None})\n"
    "run.define_metric('epoch')\nrun.define_metric('val/loss', step_metric='epoch')\n"
    "for s in range(200):\n"
    "    run.log({'train/loss': 1 / (1 + s), 'train/acc': s / 200})\n"
    "    if s % 40 == 39:\n"
    "        run.log({'epoch': s // 40, 'val/loss': 1 / (2 + s // 40)}, commit=False)\n"
    "run.finish()"
)

# per chart title: the x-range, the canvas and plot-frame boxes (page px) of the attached view
JS_FIGS = """() => {
  const out = {};
  for (const v of ((window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots) || [])) {
    const m = v.model;
    if (!m || m.type !== 'Figure' || !m.title) continue;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (!host || !host.isConnected || !host.closest('.py-tracker-panel')) continue;
    const c = (v.canvas_view ? v.canvas_view.el : v.el).getBoundingClientRect();
    const f = v.frame.bbox;
    out[m.title.text] = {start: m.x_range.start, end: m.x_range.end, left: c.left + f.left, right: c.left + f.right,
                         top: c.top + f.top, bottom: c.top + f.bottom};
  }
  return out;
}"""

# where a data x falls on the chart titled `title` (page px), from its own scale
JS_SCREEN_X = """([title, x]) => {
  for (const v of window.Bokeh.index.roots) {
    const m = v.model;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (m.type !== 'Figure' || !m.title || m.title.text !== title || !host.isConnected) continue;
    const c = (v.canvas_view ? v.canvas_view.el : v.el).getBoundingClientRect();
    return c.left + v.frame.x_scale.compute(x);
  }
  return null;
}"""


# per chart title: its visible crosshair line (data x and page box), if any
JS_CROSSHAIRS = """() => {
  const out = {};
  for (const v of window.Bokeh.index.roots) {
    const m = v.model;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (m.type !== 'Figure' || !m.title || !host.isConnected || !host.closest('.py-tracker-panel')) continue;
    const line = host.closest('.py-tracker-chart').querySelector(':scope > .py-tracker-crosshair:not([hidden])');
    if (!line) continue;
    const r = line.getBoundingClientRect();
    out[m.title.text] = {x: Number(line.dataset.x), left: r.left, top: r.top, height: r.height};
  }
  return out;
}"""


def test_run_panel_charts_share_zoom_hover_and_reset(lab, page):
    lab.write_notebook("linked.ipynb", [CELL])
    lab.open(page, "linked.ipynb")
    lab.run_all(page)
    panel = page.locator(".py-tracker-panel").first
    panel.wait_for(timeout=90_000)
    page.wait_for_function("() => document.querySelector('.py-tracker-panel').textContent.includes('finished')",
                           timeout=90_000)
    page.wait_for_function(f"() => {{ const f = ({JS_FIGS})(); return f['train/loss'] && f['train/acc'] && f['val/loss']; }}",
                           timeout=30_000)
    page.wait_for_timeout(1500)  # the link attaches to new charts within 1 s
    panel.locator(".py-tracker-chart").first.scroll_into_view_if_needed()
    figs = page.evaluate(JS_FIGS)
    loss, val_before = figs["train/loss"], figs["val/loss"]

    # a box zoom (the charts' active drag) on train/loss over the steps ~50..100
    width = loss["right"] - loss["left"]
    span = loss["end"] - loss["start"]
    a = loss["left"] + width * (50 - loss["start"]) / span
    b = loss["left"] + width * (100 - loss["start"]) / span
    y0, y1 = loss["top"] + 10, loss["bottom"] - 10
    page.mouse.move(a, y0)
    page.mouse.down()
    page.mouse.move((a + b) / 2, (y0 + y1) / 2, steps=4)
    page.mouse.move(b, y1, steps=4)
    page.mouse.up()
    page.wait_for_function(f"() => {{ const f = ({JS_FIGS})(); return f['train/loss'].end < 150; }}", timeout=10_000)
    page.wait_for_function(f"() => {{ const f = ({JS_FIGS})(); return f['train/acc'].end === f['train/loss'].end"
                           f" && f['train/acc'].start === f['train/loss'].start; }}", timeout=10_000)
    figs = page.evaluate(JS_FIGS)
    assert 40 < figs["train/loss"]["start"] < 60 and 90 < figs["train/loss"]["end"] < 110, figs["train/loss"]
    assert (figs["epoch"]["start"], figs["epoch"]["end"]) == (figs["train/loss"]["start"], figs["train/loss"]["end"])
    assert (figs["val/loss"]["start"], figs["val/loss"]["end"]) == (val_before["start"], val_before["end"])

    # hover train/loss at a step: a crosshair over train/acc at that step, none over val/loss
    loss = figs["train/loss"]
    at = loss["left"] + (loss["right"] - loss["left"]) * 0.5
    page.mouse.move(at, (loss["top"] + loss["bottom"]) / 2)
    page.locator(".py-tracker-chart .py-tracker-crosshair:not([hidden])").first.wait_for(timeout=5_000)
    lines = page.evaluate(JS_CROSSHAIRS)
    # every other chart against Step (train/acc, epoch) has one; val/loss (epoch axis) has none
    assert set(lines) == {"train/acc", "epoch"}, lines
    x = lines["train/acc"]["x"]
    assert abs(x - (loss["start"] + loss["end"]) / 2) < 1.5, x
    want = page.evaluate(JS_SCREEN_X, ["train/acc", x])
    acc = figs["train/acc"]
    box = lines["train/acc"]
    assert abs(box["left"] - want) < 2, (box, want)
    assert abs(box["top"] - acc["top"]) < 2 and abs(box["height"] - (acc["bottom"] - acc["top"])) < 2

    for dark in (False, True):
        _set_theme(page, dark)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(ARTIFACTS / f"theme-{'dark' if dark else 'light'}-panel-linked.png"))

    # the reset tool of train/acc: train/loss back to the full range as well
    page.mouse.move(acc["left"] + 5, acc["top"] + 5)
    titles = page.evaluate("""() => [...document.querySelectorAll('.py-tracker-panel .py-tracker-chart')].map(n => {
        for (const v of window.Bokeh.index.roots) { const h = v.el && (v.el.getRootNode().host || v.el);
          if (v.model.type === 'Figure' && h.isConnected && n.contains(h)) return v.model.title.text; } return null; })""")
    panel.locator(".py-tracker-chart").nth(titles.index("train/acc")).locator(".bk-tool-icon-reset").click()
    page.wait_for_function(f"() => {{ const f = ({JS_FIGS})(); return f['train/loss'].end > 190; }}", timeout=10_000)
    page.wait_for_function(f"() => {{ const f = ({JS_FIGS})(); return f['epoch'].end > 190; }}", timeout=10_000)
    figs = page.evaluate(JS_FIGS)
    assert figs["train/acc"]["end"] > 190 and figs["train/loss"]["start"] < 5 and figs["epoch"]["start"] < 39  # epoch is logged from step 39
