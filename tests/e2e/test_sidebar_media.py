"""Images and histograms in the sidebar's run view, in a real JupyterLab + Chromium: a notebook
logs a `wandb.Image` (a different size each time, one caption hostile) and a `wandb.Histogram`
at steps 0, 5 and 10; the run's "Media" tab shows a step slider whose label reads the logged
step, moving it changes the image (fetched through the authenticated files endpoint as a blob)
and its caption (text, never doubled, no dialog), and the histograms' heatmap canvas has one
coloured pixel column per logged step, the first one full width (not a sliver)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

XSS = "<img src=x onerror=alert(1)>"
QUIET = "settings={'display': False, 'monitor_interval': None}"
CELLS = [(
    "import json, numpy as np, py_tracker as wandb\n"
    f"r = wandb.init(project='media', name='pictured', {QUIET})\n"
    f"captions = ['red start', {XSS!r}, 'red end']\n"
    "for i, step in enumerate([0, 5, 10]):\n"
    "    red = np.zeros((12, 16 + 8 * i, 3), dtype=np.uint8); red[..., 0] = 255\n"
    "    r.log({'samples': wandb.Image(red, caption=captions[i]),\n"
    "           'weights': wandb.Histogram(np.arange(20) + 10 * i, num_bins=4), 'loss': 1.0 / (i + 1)}, step=step)\n"
    "open('run.json', 'w').write(json.dumps({'id': r.id}))\n"
    "r.finish()"
)]

# the canvas' pixel columns grouped into runs of equal, painted columns: [[first x, width], ...]
COLUMN_RUNS = """c => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const sig = x => { let s = ''; for (let y = 0; y < c.height; y++) { const i = (y * c.width + x) * 4;
    s += d[i + 3] ? `${y}:${d[i]},${d[i + 1]},${d[i + 2]};` : ''; } return s; };
  const runs = []; let last = null;
  for (let x = 0; x < c.width; x++) { const s = sig(x);
    if (s && s === last) { runs[runs.length - 1][1]++; } else if (s) { runs.push([x, 1]); } last = s; }
  return runs;
}"""


def test_sidebar_run_view_media_tab_steps_images_and_draws_histograms(lab, page):
    lab.run_with_sidebar(page, "media.ipynb", CELLS)
    run = lab.wait_json(page, "run.json")
    view = lab.open_run_view(page, "pictured", run["id"])
    view.locator(".jp-PyTracker-tab[data-tab='Media']").click()
    views = view.locator(".jp-PyTracker-mediaView")
    views.first.wait_for(timeout=20_000)
    assert views.evaluate_all("ns => ns.map(n => [n.dataset.key, n.dataset.kind])") == [
        ["samples", "images"], ["weights", "histogram"]]  # not the scalar "loss"

    strip = view.locator(".jp-PyTracker-mediaView[data-key='samples']")
    slider = strip.locator("input.jp-PyTracker-mediaSlider")
    label = strip.locator(".jp-PyTracker-mediaStep")
    caption = strip.locator(".jp-PyTracker-mediaCaption")
    img = strip.locator("img.jp-PyTracker-mediaImage")

    def shown() -> list:
        page.wait_for_function("n => n.complete && n.naturalWidth > 0 && n.src.startsWith('blob:')",
                               arg=img.element_handle(), timeout=10_000)
        return [label.text_content(), img.evaluate("n => n.naturalWidth"), caption.text_content()]

    # the newest step first; the label is the logged step (10), not the slider's index (2)
    assert slider.evaluate("n => [n.min, n.max, n.value]") == ["0", "2", "2"]
    assert shown() == ["10", 32, "red end"]
    for index, want in [(0, ["0", 16, "red start"]), (1, ["5", 24, XSS])]:
        slider.evaluate("(n, v) => { n.value = String(v); n.dispatchEvent(new Event('input')); }", index)
        page.wait_for_function("([n, w]) => n.textContent === w", arg=[label.element_handle(), want[0]])
        assert shown() == want
    # the caption once (not doubled), the hostile one as text: one <img> only, no dialog
    assert strip.locator(".jp-PyTracker-caption").count() == 1
    assert strip.locator("img").count() == 1 and page.dialogs == []

    # histograms: one coloured pixel column run per logged step, the first as wide as the others
    canvas = view.locator(".jp-PyTracker-mediaView[data-key='weights'] canvas.jp-PyTracker-heatmap")
    runs = canvas.evaluate(COLUMN_RUNS)
    width = canvas.evaluate("c => c.width")
    assert len(runs) == 3, runs
    assert runs[0][0] == 0 and all(abs(w - width / 3) <= 2 for _, w in runs), runs
    assert sum(w for _, w in runs) == width
    lab.screenshot(page, "sidebar-media")
