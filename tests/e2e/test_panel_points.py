"""Issue 16, "Live charts drop points": what Chromium draws equals what the kernel logged.

A realistic loop (a torch CNN on sklearn digits, per-step `train/*`, per-epoch `val/*`
against `define_metric(step_metric="epoch")`, `watch(log="all")`) makes new charts appear
while older ones stream: the first epoch row adds `epoch` and `val/*`, the first watch
call adds `gradients/*` and `parameters/*`. Each new chart used to re-create the views of
the charts laid out after it, and a re-created BokehJS view starts from the figure as it
was when its widget was made: `train/loss` showed x = [0, 102, 103, ...]. The test reads
the data of the BokehJS views on the page (the ones attached to the document) and
compares them with the rows in the store: every step, since the series are shorter than
the charts' bucket target.
"""
from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LOOP = """%%track --project e2e-points --name cnn
import time, torch, torch.nn as nn
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X, dtype=torch.float32).reshape(-1, 1, 8, 8) / 16.0
y = torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1500], y[:1500], X[1500:], y[1500:]
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
pt.define_metric("epoch")
pt.define_metric("val/loss", step_metric="epoch", summary="min")
pt.define_metric("val/acc", step_metric="epoch", summary="max")
pt.watch(model, log="all", log_freq=20)
for epoch in range(4):
    for b in range(0, 1500, 50):
        out = model(Xtr[b:b + 50]); loss = nn.functional.cross_entropy(out, ytr[b:b + 50])
        opt.zero_grad(); loss.backward(); opt.step()
        pt.log({"train/loss": loss.item(), "train/acc": (out.argmax(1) == ytr[b:b + 50]).float().mean().item()})
        time.sleep(0.08)
    with torch.no_grad():
        out = model(Xva)
    pt.log({"epoch": epoch, "val/loss": nn.functional.cross_entropy(out, yva).item(),
            "val/acc": (out.argmax(1) == yva).float().mean().item()})
"""

# data of every Figure whose BokehJS root view is on the page (a removed view can stay in
# Bokeh.index, and a re-created one has the same model id: walk the views, not the ids)
JS_DRAWN = """() => {
  const out = {};
  for (const v of ((window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots) || [])) {
    const m = v.model;
    if (!m || m.type !== 'Figure' || !m.title) continue;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (!host || !host.isConnected) continue;
    const lines = m.renderers.filter(r => r.glyph && r.glyph.type === 'Line' && r.glyph.y.field === 'y');
    const pts = [];
    for (const r of lines) {
      const d = r.data_source.data;
      for (let i = 0; i < d.x.length; i++) pts.push([Number(d.x[i]), Number(d.y[i])]);
    }
    (out[m.title.text] = out[m.title.text] || []).push(pts);
  }
  return out;
}"""


# the smoothed line of train/loss is visible (WANT true) or hidden (WANT false) in the page
JS_SMOOTH_SHOWN = """() => {
  for (const v of ((window.Bokeh && window.Bokeh.index && window.Bokeh.index.roots) || [])) {
    const m = v.model;
    if (!m || m.type !== 'Figure' || !m.title || m.title.text !== 'train/loss') continue;
    const host = v.el && (v.el.getRootNode().host || v.el);
    if (!host || !host.isConnected) continue;
    const s = m.renderers.filter(r => r.glyph.type === 'Line' && r.glyph.y.field === 's');
    return s.length > 0 && s.every(r => r.visible === WANT);
  }
  return false;
}"""


def _logged(lab, key: str, x: str) -> list[tuple[float, float]]:
    from py_tracker.api import Api
    run = next(r for r in Api(lab.store).runs("e2e-points") if r.name == "cnn")
    n, cols = run.history_columns([key, x])
    ys, xs = np.asarray(cols[key], dtype=float), np.asarray(cols[x], dtype=float)
    ok = ~np.isnan(ys)
    return sorted(zip(xs[ok].tolist(), ys[ok].tolist()))


NOISE = ("same length", "No such comm", "line_alpha", "failed to validate")


def test_drawn_points_equal_logged_rows(lab, page):
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    lab.write_notebook("points.ipynb", ["%load_ext py_tracker\nimport py_tracker as pt", LOOP])
    lab.open(page, "points.ipynb")
    lab.run_all(page)
    panel = page.locator(".py-tracker-panel").first
    panel.wait_for(timeout=90_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.py-tracker-panel');"
        " return p && p.textContent.includes('finished'); }", timeout=240_000)
    page.wait_for_timeout(1500)  # the final flush is in flight when the header says finished
    drawn = page.evaluate(JS_DRAWN)
    # smoothing on and off again (typed into the slider's readout): the smoothed line shows in
    # the browser, and the kernel logs no "failed to validate Line.line_alpha" for it
    log_start = lab.log.stat().st_size
    readout = panel.locator(".widget-slider .widget-readout").first
    for value, smooth_shown in (("0.8", True), ("0", False)):
        readout.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        page.wait_for_function(JS_SMOOTH_SHOWN.replace("WANT", "true" if smooth_shown else "false"),
                               timeout=20_000)
    page.wait_for_timeout(1000)
    kernel_log = lab.log.read_bytes()[log_start:].decode(errors="replace")
    lab.screenshot(page, "panel-points-cnn")
    noise = [c for c in console if any(n in c for n in NOISE)]
    out = page.locator(".jp-OutputArea-output").all_text_contents()
    noise += [t for t in out if any(n in t for n in NOISE)]
    noise += [ln for ln in kernel_log.splitlines() if any(n in ln for n in NOISE)]
    assert {"train/loss", "train/acc", "val/loss", "val/acc"} <= set(drawn), sorted(drawn)
    # the watch histograms appeared mid-run too (their heatmaps are figures titled by key)
    assert any(k.startswith(("gradients/", "parameters/")) for k in drawn), sorted(drawn)
    for key, x in (("train/loss", "_step"), ("train/acc", "_step"), ("val/loss", "epoch"), ("val/acc", "epoch")):
        views = drawn[key]
        assert len(views) == 1, f"{key}: {len(views)} views attached"
        got = sorted({(round(a, 6), round(b, 6)) for a, b in views[0]})
        want = sorted({(round(a, 6), round(b, 6)) for a, b in _logged(lab, key, x)})
        missing = sorted(set(want) - set(got))
        assert not missing, f"{key}: {len(missing)} of {len(want)} logged points not drawn, first {missing[:5]}"
        assert got == want, f"{key}: drawn points that were never logged: {sorted(set(got) - set(want))[:5]}"
    assert not noise, noise[:10]
