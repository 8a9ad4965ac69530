"""The live run panel in a real JupyterLab + Chromium: a `%%track` cell shows a chart whose
point count grows while the cell runs; the static snapshot arrives when it ends (and is
hidden while the live panel is on the page); Stop ends a run from the panel.

Stop here uses a run whose training loop runs in a thread (the kernel is idle, so the
widget click reaches it). A blocking cell needs the lab extension's out-of-band path
(the button carries `py-tracker-stop py-tracker-run-<id>` for it); tested when present.
"""
from __future__ import annotations

import re
import time

import pytest

from .conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CELLS = [
    "%load_ext py_tracker\nimport time, threading, py_tracker as pt",
    "%%track --project e2e-nb --name tracked --config dict(lr=0.1)\n"
    "for i in range(100):\n    pt.log({'train/loss': 1 / (i + 1), 'train/acc': i / 100})\n    time.sleep(0.1)",
    "run = pt.init(project='e2e-nb', name='threaded')\n"
    "def work():\n    try:\n        for i in range(10**6):\n            run.log({'x': i})\n            time.sleep(0.02)\n"
    "    except pt.RunStopped:\n        pass\n"
    "threading.Thread(target=work, daemon=True).start()",
]


JS_TRAIN_POINTS_100 = """() => {
  const figs = Object.values((window.Bokeh && window.Bokeh.index) || {}).map(v => v.model)
    .filter(m => m.type === 'Figure' && m.title && m.title.text.startsWith('train/'));
  return figs.length === 2 && figs.every(m => m.renderers[0].data_source.data.x.length === 100);
}"""


def _points(panel) -> int:
    text = panel.locator(".py-tracker-points").first.text_content() or "0"
    return int(re.sub(r"\D", "", text) or 0)


def _out_of_band_stop_available() -> bool:
    static = REPO / "py_tracker" / "labextension" / "static"
    return any("py-tracker-stop" in p.read_text(errors="ignore") for p in static.glob("*.js"))


def test_panel_streams_snapshots_and_stops(lab, page):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    lab.write_notebook("panel.ipynb", CELLS)
    lab.open(page, "panel.ipynb")
    lab.run_all(page)

    first = page.locator(".py-tracker-panel").first
    first.wait_for(timeout=60_000)
    first.locator("canvas").first.wait_for(timeout=30_000)  # BokehJS loaded: the chart is drawn
    deadline = time.monotonic() + 30
    while _points(first) == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    p1 = _points(first)
    assert p1 > 0, "no points reached the panel"
    time.sleep(2.0)
    p2 = _points(first)
    assert "running" in (first.text_content() or "")
    assert p2 > p1, f"point count did not grow while the cell ran ({p1} -> {p2})"
    assert first.locator(".py-tracker-chart").count() >= 2
    lab.screenshot(page, "notebook-panel-live")

    # the cell ends: finished state, and the static snapshot is in the output but hidden
    page.wait_for_function(
        "() => { const p = document.querySelector('.py-tracker-panel');"
        " return p && p.textContent.includes('finished'); }", timeout=60_000)
    # every point reached BokehJS (the browser's own data, not just the kernel's)
    assert page.wait_for_function(JS_TRAIN_POINTS_100, timeout=15_000)
    snap = page.locator(".py-tracker-snapshot").first
    snap.wait_for(state="attached", timeout=30_000)
    assert snap.is_hidden(), "the snapshot should hide while the live panel is shown"
    assert _points(first) == 200

    # Stop from the panel ends the threaded run
    second = page.locator(".py-tracker-panel").nth(1)
    second.wait_for(timeout=60_000)
    deadline = time.monotonic() + 30
    while "running" not in (second.text_content() or "") and time.monotonic() < deadline:
        time.sleep(0.2)
    lab.screenshot(page, "notebook-panel-threaded")
    second.locator(".py-tracker-stop").click()
    page.wait_for_function(
        "() => { const p = document.querySelectorAll('.py-tracker-panel')[1];"
        " return p && p.textContent.includes('stopped'); }", timeout=20_000)
    runs = {r["name"]: r for r in _runs(lab)}
    assert runs["tracked"]["state"] == "finished" and runs["threaded"]["state"] == "stopped"
    lab.screenshot(page, "notebook-panel-stopped")
    bokeh_errors = [e for e in errors if "bokeh" in e.lower() or "py_tracker" in e.lower()]
    assert not bokeh_errors, bokeh_errors


def _runs(lab) -> list[dict]:
    data = lab.api("runs", project="e2e-nb")
    return data["runs"] if isinstance(data, dict) else data


@pytest.mark.skipif(not _out_of_band_stop_available(), reason="lab extension has no out-of-band Stop listener yet")
def test_stop_button_ends_a_blocking_track_cell(lab, page):
    lab.write_notebook("blocking.ipynb", [
        "%load_ext py_tracker\nimport time, py_tracker as pt",
        "%%track --project e2e-block --name blocking\nfor i in range(10**9):\n    pt.log({'x': i})\n    time.sleep(0.01)",
    ])
    lab.open(page, "blocking.ipynb")
    lab.run_all(page)
    panel = page.locator(".py-tracker-panel").first
    panel.wait_for(timeout=60_000)
    panel.locator(".py-tracker-stop").click()
    page.locator(".jp-OutputArea-output", has_text="was stopped").first.wait_for(timeout=20_000)
    lab.screenshot(page, "notebook-panel-blocking-stopped")
