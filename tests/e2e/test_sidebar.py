"""The sidebar in a real JupyterLab + Chromium: runs made by a notebook appear, a
running run turns finished without a reload, a run opens with its chart, Stop ends
a run whose cell is busy in a blocking loop, and a hostile run name stays text."""
from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

XSS = "<img src=x onerror=alert(1)>"
QUIET = "settings={'display': False, 'monitor_interval': None}"
CELLS = [
    # a finished run with a hostile name
    "import time, py_tracker as pt\n"
    f"r = pt.init(project='e2e', name={XSS!r}, config={{'lr': 0.1}}, {QUIET})\n"
    "for i in range(20):\n    pt.log({'loss': 1 / (i + 1)})\n"
    "r.finish()",
    # a run that lives ~8 s, logging as it goes
    f"r = pt.init(project='e2e', name='short-live', config={{'lr': 0.01}}, {QUIET})\n"
    "for i in range(40):\n    pt.log({'loss': 2 / (i + 1), 'acc': i / 40})\n    time.sleep(0.2)\n"
    "r.finish()",
    # a cell that blocks until someone presses Stop
    f"r = pt.init(project='e2e', name='blocking', {QUIET})\n"
    "try:\n    for i in range(10**9):\n        pt.log({'x': i})\n        time.sleep(0.01)\n"
    "except pt.RunStopped:\n    print('STOPPED at', i)",
]


def row(page, name: str, state: str | None = None):
    sel = ".jp-PyTracker-runRow" + (f'[data-state="{state}"]' if state else "")
    return page.locator(sel).filter(has=page.locator(".jp-PyTracker-runName", has_text=name))


def test_sidebar_live_runs_stop_and_charts(lab, page):
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")
    lab.write_notebook("e2e.ipynb", CELLS)
    lab.open(page, "e2e.ipynb")
    lab.run_all(page)

    # runs made by the notebook are listed; a running one turns finished by polling alone
    row(page, "short-live", "running").wait_for(timeout=45_000)
    lab.screenshot(page, "01-running")
    row(page, "short-live", "finished").wait_for(timeout=30_000)

    # a hostile name is shown as text, never parsed as HTML
    xss = page.locator(".jp-PyTracker-runName", has_text=XSS)
    assert xss.first.text_content() == XSS
    assert page.locator(".jp-PyTracker-sidebar img").count() == 0
    assert page.dialogs == []

    # Stop from the sidebar ends a run whose cell is busy in a blocking loop
    busy = row(page, "blocking", "running")
    busy.wait_for(timeout=30_000)
    clicked = time.monotonic()
    busy.locator(".jp-PyTracker-stop").click()
    page.locator(".jp-OutputArea-output", has_text="STOPPED at").first.wait_for(timeout=10_000)
    took = time.monotonic() - clicked  # click -> POST -> flag -> log() raises -> output shown
    assert took < 3.0, f"the blocking cell took {took:.1f} s to stop"
    row(page, "blocking", "stopped").wait_for(timeout=10_000)
    assert lab.api("runs", project="e2e", search="blocking")["runs"][0]["state"] == "stopped"
    lab.screenshot(page, "02-stopped")

    # opening a run shows its chart, drawn from the server's downsampled history
    row(page, "short-live").locator(".jp-PyTracker-runName").click()
    chart = page.locator('.jp-PyTracker-runView .jp-PyTracker-chart[data-key="loss"]')
    chart.wait_for(timeout=20_000)
    page.wait_for_function(
        "() => document.querySelector('.jp-PyTracker-chart[data-key=\"loss\"]')?.dataset.points === '40'")
    assert chart.locator("canvas").bounding_box()["height"] > 100
    lab.screenshot(page, "03-run-chart")

    # compare two runs on shared charts
    row(page, "short-live").locator("input[type=checkbox]").check()
    row(page, XSS).locator("input[type=checkbox]").check()
    page.click(".jp-PyTracker-toolbar button:has-text('Compare 2')")
    legend = page.locator(".jp-PyTracker-runView:visible .jp-PyTracker-chart[data-key='loss'] .jp-PyTracker-chartLegend")
    legend.wait_for(timeout=20_000)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-PyTracker-chartLegend')].some(l => l.textContent.includes('short-live')"
        " && l.textContent.includes('<img'))")
    assert page.locator(".jp-PyTracker-runView img").count() == 0
    lab.screenshot(page, "04-compare")
    assert page.dialogs == []
    print(f"stop took {took:.2f} s from the click to the cell's 'STOPPED at' output")
