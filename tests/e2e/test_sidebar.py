"""The sidebar in a real JupyterLab + Chromium: runs made by a notebook appear, a
running run turns finished without a reload, a run opens with its chart (10 metrics
draw fast), Stop ends a run whose cell is busy in a blocking loop, sweeps show their
progress, a hostile run name stays text, and the row menu inserts a cell and renames."""
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
    # 10 metrics x 3,000 steps, and a small grid sweep (2 of 3 trials)
    f"r = pt.init(project='e2e', name='wide', {QUIET})\n"
    "for i in range(3000):\n    pt.log({f'm{k}': (i % (50 + k)) * (k + 1) for k in range(10)})\n"
    "r.finish()\n"
    "sid = pt.sweep({'method': 'grid', 'metric': {'name': 'loss', 'goal': 'minimize'},\n"
    "                'parameters': {'lr': {'values': [0.5, 0.1, 0.01]}}}, project='e2e')\n"
    "def train():\n"
    f"    t = pt.init({QUIET})\n"
    "    for i in range(3):\n        pt.log({'loss': t.config.lr * (3 - i)})\n"
    "    t.finish()\n"
    "pt.agent(sid, function=train, count=2)",
    # a run that lives ~8 s, logging as it goes
    f"r = pt.init(project='e2e', name='short-live', config={{'lr': 0.01}}, {QUIET})\n"
    "for i in range(40):\n    pt.log({'loss': 2 / (i + 1), 'acc': i / 40})\n    time.sleep(0.2)\n"
    "    if i % 10 == 9:\n        print('epoch', i, '<b>not bold</b>')\n"
    "r.finish()",
    # a cell that blocks until someone presses Stop
    f"r = pt.init(project='e2e', name='blocking', {QUIET})\n"
    "try:\n    for i in range(10**9):\n        pt.log({'x': i})\n        time.sleep(0.01)\n"
    "except pt.RunStopped:\n    print('STOPPED at', i)",
]


def row(page, name: str, state: str | None = None):
    sel = ".jp-PyTracker-runRow" + (f'[data-state="{state}"]' if state else "")
    return page.locator(sel).filter(has=page.locator(".jp-PyTracker-runName", has_text=name))


def menu(page, name: str, item: str) -> None:
    row(page, name).first.locator(".jp-PyTracker-more").click()
    page.locator(".jp-PyTracker-menu .lm-Menu-item", has_text=item).click()


def test_sidebar_live_runs_stop_and_charts(lab, page):
    lab.run_with_sidebar(page, "e2e.ipynb", CELLS)

    # runs made by the notebook are listed; a running one turns finished by polling alone
    row(page, "short-live", "running").wait_for(timeout=60_000)
    lab.screenshot(page, "01-running")
    row(page, "short-live", "finished").wait_for(timeout=30_000)

    # a hostile name is shown as text, never parsed as HTML
    xss = page.locator(".jp-PyTracker-runName", has_text=XSS)
    assert xss.first.text_content() == XSS
    assert page.locator(".jp-PyTracker-sidebar img").count() == 0
    assert page.dialogs == []

    # the sweep: progress (2 of the grid's 3 points) and best value
    sweep = page.locator(".jp-PyTracker-sweepRow")
    sweep.wait_for(timeout=10_000)
    assert "2/3" in sweep.text_content() and "loss 0.1" in sweep.text_content()

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
    lab.screenshot(page, "02-stopped-and-sweep")

    # the row menu inserts `%track show <id>` into the active notebook
    xss_id = lab.api("runs", project="e2e", search="onerror")["runs"][0]["id"]
    menu(page, XSS, "Insert %track show cell")
    page.wait_for_function(
        "id => window.jupyterapp.shell.currentWidget.content.model.sharedModel.cells"
        ".some(c => c.getSource() === '%track show ' + id)", arg=xss_id, timeout=10_000)

    # opening a run shows its chart, drawn from the server's downsampled history
    row(page, "short-live").locator(".jp-PyTracker-runName").click()
    chart = page.locator('.jp-PyTracker-runView .jp-PyTracker-chart[data-key="loss"]')
    chart.wait_for(timeout=20_000)
    page.wait_for_function(
        "() => document.querySelector('.jp-PyTracker-chart[data-key=\"loss\"]')?.dataset.points === '40'")
    assert chart.locator("canvas").bounding_box()["height"] > 100
    lab.screenshot(page, "03-run-chart")

    # its captured output (tailed by byte offset) and files, as text
    short = page.locator(".jp-PyTracker-runView").filter(has=page.locator(".jp-PyTracker-runTitle", has_text="short-live"))
    short.locator(".jp-PyTracker-tab[data-tab='Logs']").click()
    short.locator(".jp-PyTracker-log", has_text="epoch 39 <b>not bold</b>").wait_for(timeout=10_000)
    short.locator(".jp-PyTracker-tab[data-tab='Files']").click()
    short.locator(".jp-PyTracker-files a", has_text="output.log").click()
    short.locator(".jp-PyTracker-preview pre", has_text="epoch 9").wait_for(timeout=10_000)
    assert short.locator("b").count() == 0
    lab.screenshot(page, "03b-logs-files")
    short.locator(".jp-PyTracker-tab[data-tab='Charts']").click()

    # 10 metrics x ~2,000 points draw fast, hover included
    wide = lab.api("runs", project="e2e", search="wide")["runs"][0]["id"]
    row(page, "wide").locator(".jp-PyTracker-runName").click()
    view = f"#py-tracker-run-{wide}"
    page.wait_for_function(
        "v => { const c = [...document.querySelectorAll(v + ' .jp-PyTracker-chart')];"
        " return c.length === 10 && c.every(n => Number(n.dataset.points) >= 1000 && n.dataset.drawMs); }",
        arg=view, timeout=20_000)
    canvas = page.locator(f"{view} .jp-PyTracker-chart[data-key='m9'] canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for k in range(10):
        page.mouse.move(box["x"] + 60 + k * 20, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)
    stats = page.evaluate(
        "v => [...document.querySelectorAll(v + ' .jp-PyTracker-chart')]"
        ".map(n => [Number(n.dataset.points), Number(n.dataset.drawMs)])", view)
    points = sum(p for p, _ in stats)
    slowest = max(ms for _, ms in stats)
    assert points >= 10_000 and slowest < 50, stats
    assert "m9=" in page.locator(f"{view} .jp-PyTracker-chart[data-key='m9'] .jp-PyTracker-chartReadout").text_content()
    lab.screenshot(page, "04-ten-metrics")

    # compare two runs on shared charts
    row(page, "short-live").locator("input[type=checkbox]").check()
    row(page, XSS).locator("input[type=checkbox]").check()
    page.click(".jp-PyTracker-toolbar button:has-text('Compare 2')")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-PyTracker-chartLegend')].some(l => l.textContent.includes('short-live')"
        " && l.textContent.includes('<img'))", timeout=20_000)
    assert page.locator(".jp-PyTracker-runView img").count() == 0
    lab.screenshot(page, "05-compare")

    # rename through the row menu and its dialog
    menu(page, "wide", "Rename")
    page.locator(".jp-Dialog input").fill("wide-renamed")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    row(page, "wide-renamed").wait_for(timeout=10_000)
    assert page.dialogs == []

    # the dark theme: everything is drawn with --jp-* variables
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
    page.wait_for_timeout(500)
    lab.screenshot(page, "06-dark-theme")
    print(f"stop: {took:.2f} s from the click to the cell's output; 10 charts, {points} points, "
          f"slowest draw {slowest:.1f} ms")
