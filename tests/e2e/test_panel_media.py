"""Issue 16, small wrong pictures in the run panel, read from what Chromium shows:
a single-point series is drawn (a dot inside the axes, not an empty chart); the histogram
heatmap's first column is as wide as the others; the image slider reads the step (as
the caption does), and captions of an image list appear once."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CELL = """import numpy as np, py_tracker as pt
run = pt.init(project="e2e-media", name="media")
run.log({"one": 0.5}, step=0)
rng = np.random.default_rng(0)
for s in range(100, 600, 100):
    run.log({"h": pt.Histogram(rng.normal(size=200))}, step=s)
for s in (600, 700):
    run.log({"imgs": [pt.Image(np.zeros((8, 8, 3), dtype=np.uint8), caption="a"),
                      pt.Image(np.ones((8, 8, 3), dtype=np.uint8), caption="b")]}, step=s)
run.finish()
"""

JS_FIGURES = """() => {
  const out = {};
  for (const v of ((window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots) || [])) {
    const m = v.model;
    if (!m || m.type !== 'Figure' || !m.title) continue;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (!host || !host.isConnected) continue;
    const rs = m.renderers.filter(r => r.visible).map(r => ({
      glyph: r.glyph.type, n: r.data_source.data.x ? r.data_source.data.x.length : 0,
      x: Array.from(r.data_source.data.x || []).map(Number),
      y: Array.from(r.data_source.data.y || []).map(Number),
      w: Array.from(r.data_source.data.w || []).map(Number)}));
    out[m.title.text] = {renderers: rs, x: [m.x_range.start, m.x_range.end], y: [m.y_range.start, m.y_range.end]};
  }
  return out;
}"""


def test_single_point_histogram_and_images(lab, page):
    lab.write_notebook("media.ipynb", [CELL])
    lab.open(page, "media.ipynb")
    lab.run_all(page)
    panel = page.locator(".py-tracker-panel").first
    panel.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.py-tracker-panel');"
        " return p && p.textContent.includes('finished'); }", timeout=120_000)
    images = panel.locator(".py-tracker-images").first
    images.wait_for(timeout=30_000)
    page.wait_for_timeout(2000)  # let BokehJS lay out the figures (ranges are computed then)
    figs = page.evaluate(JS_FIGURES)
    lab.screenshot(page, "panel-media")

    one = figs["one"]
    dots = [r for r in one["renderers"] if r["glyph"] == "Scatter" and r["n"] == 1]
    assert dots and dots[0]["x"] == [0] and dots[0]["y"] == [0.5], one["renderers"]
    assert one["y"][0] < 0.5 < one["y"][1], f"the point is outside the drawn y range {one['y']}"
    assert one["x"][0] < 0 < one["x"][1], f"the point is outside the drawn x range {one['x']}"

    rects = [r for r in figs["h"]["renderers"] if r["glyph"] == "Rect"][0]
    widths = {(x, w) for x, w in zip(rects["x"], rects["w"])}
    assert {w for _, w in widths} == {100.0}, f"column widths per step: {sorted(widths)}"

    # the slider's readout is the step, and each caption appears once
    assert images.locator(".py-tracker-image-step").text_content().strip() == "700"
    assert not images.locator(".widget-readout").is_visible()
    caption = images.locator(".widget-html").last.text_content() or ""
    assert caption.strip() == "step 700: a, b", caption
