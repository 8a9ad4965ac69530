"""Custom charts (`wandb.plot.*`) in the sidebar's run view, and `run.url`, in a real JupyterLab
+ Chromium: a notebook logs a line, a bar chart and a confusion matrix; the run's "Custom charts"
tab draws each (points counted, matrix cells read) as logged; the URL from `run.url` opens that
run's view on a fresh page."""
from __future__ import annotations


import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

XSS = "<img src=x onerror=alert(1)>"
QUIET = "settings={'display': False, 'monitor_interval': None}"
CELLS = [
    "import json, py_tracker as wandb\n"
    f"r = wandb.init(project='plots', name='charted', {QUIET})\n"
    "t = wandb.Table(columns=['x', 'y'], data=[[i, i * i] for i in range(3)])\n"
    "r.log({'sq': wandb.plot.line(t, 'x', 'y', title='old')})\n"  # an older value of the key
    "t = wandb.Table(columns=['x', 'y'], data=[[i, i * i] for i in range(7)])\n"
    f"r.log({{'sq': wandb.plot.line(t, 'x', 'y', title={XSS!r})}})\n"
    "r.log({'cm': wandb.plot.confusion_matrix(y_true=[0, 1, 1, 2, 2, 2], preds=[0, 1, 2, 2, 2, 0],\n"
    "                                         class_names=['cat', 'dog', '<b>bird</b>'])})\n"
    "b = wandb.Table(columns=['name', 'n'], data=[['a', 3], ['b', 5], ['c', 1]])\n"
    "r.log({'counts': wandb.plot.bar(b, 'name', 'n', title='counts')})\n"
    "r.log({'pts': wandb.plot.scatter(t, 'x', 'y'), 'hist': wandb.plot.histogram(t, 'y'),\n"
    "       'series': wandb.plot.line_series([0, 1, 2], [[1, 2, 3], [3, 2, 1]], keys=['up', 'down']),\n"
    "       'roc': wandb.plot.roc_curve([0, 1, 1, 0], [[0.8, 0.2], [0.3, 0.7], [0.4, 0.6], [0.6, 0.4]])})\n"
    "open('run.json', 'w').write(json.dumps({'id': r.id, 'url': r.url}))\n"
    "r.finish()",
]


def _notebook_run(lab, page) -> dict:
    if not (lab.root_dir / "run.json").exists():
        lab.write_notebook("charts.ipynb", CELLS)
        lab.open(page, "charts.ipynb")
        lab.run_all(page)
    return lab.wait_json(page, "run.json")


def test_sidebar_run_view_draws_the_custom_charts_as_logged(lab, page):
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")
    run = _notebook_run(lab, page)
    row = page.locator(".jp-PyTracker-runRow[data-state='finished']").filter(
        has=page.locator(".jp-PyTracker-runName", has_text="charted"))
    row.wait_for(timeout=60_000)
    row.locator(".jp-PyTracker-runName").click()
    view = page.locator(f"#py-tracker-run-{run['id']}")
    view.locator(".jp-PyTracker-tab[data-tab='Custom charts']").click()
    charts = view.locator(".jp-PyTracker-customChart")
    charts.nth(6).wait_for(timeout=20_000)
    kinds = charts.evaluate_all("ns => ns.map(n => [n.dataset.key, n.dataset.kind, n.dataset.points || null])")
    roc = lab.api(f"runs/{run['id']}/charts")["charts"][4]
    assert roc["key"] == "roc" and len(roc["data"]) > 4
    assert kinds == [["cm", "heatgrid", None], ["counts", "bars", "3"], ["hist", "bars", "3"],
                     ["pts", "points", "7"], ["roc", "line", str(len(roc["data"]))], ["series", "line", "6"],
                     ["sq", "line", "7"]], kinds

    # the line: the newest value of "sq" (7 points, not the older 3), drawn on a canvas
    line = view.locator(".jp-PyTracker-customChart[data-key='sq']")
    page.wait_for_function(
        "id => { const n = document.querySelector(`#py-tracker-run-${id} .jp-PyTracker-customChart[data-key='sq']`);"
        " return n && n.dataset.points === '7' && n.dataset.drawMs; }", arg=run["id"], timeout=10_000)
    assert line.get_attribute("data-kind") == "line"
    assert line.locator(".jp-PyTracker-chartTitle").evaluate("n => n.firstChild.textContent") == XSS
    assert line.locator("canvas").bounding_box()["height"] > 100
    # blue pixels were drawn (the series colour, #1f77b4) (not just an empty frame)
    coloured = line.locator("canvas").evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
        " for (let i = 0; i < d.length; i += 4) if (d[i+3] > 128 && d[i+2] - d[i] > 80) n++;"
        " return n; }")
    assert coloured > 20, coloured
    bars = view.locator(".jp-PyTracker-customChart[data-key='counts']")
    assert bars.get_attribute("data-kind") == "bars" and bars.get_attribute("data-points") == "3"

    # the confusion matrix: one cell per (actual, predicted), its count as text
    cells = view.locator(".jp-PyTracker-customChart[data-key='cm'] td.jp-PyTracker-heatCell")
    got = {(c["a"], c["p"]): c["t"] for c in cells.evaluate_all(
        "ns => ns.map(n => ({a: n.dataset.actual, p: n.dataset.predicted, t: n.textContent}))")}
    names = ["cat", "dog", "<b>bird</b>"]
    logged = {(names[t], names[p]) for t, p in zip([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0])}
    want = {(a, p): str(sum(1 for t, q in zip([0, 1, 1, 2, 2, 2], [0, 1, 2, 2, 2, 0])
                            if names[t] == a and names[q] == p)) for a in names for p in names}
    assert got == want and all(got[k] != "0" for k in logged)
    assert view.locator(".jp-PyTracker-customChart b, .jp-PyTracker-customChart img").count() == 0
    assert page.dialogs == []
    lab.screenshot(page, "sidebar-custom-charts")


def test_run_url_opens_that_runs_view(lab, page, browser):
    run = _notebook_run(lab, page)
    assert run["url"] == f"{lab.url}lab?py-tracker-run={run['id']}&token={lab.token}"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        fresh = context.new_page()  # a new browser session: the token in the URL logs it in
        fresh.goto(run["url"], wait_until="domcontentloaded")
        header = fresh.locator(f"#py-tracker-run-{run['id']} .jp-PyTracker-runLine[data-run-id='{run['id']}']")
        header.wait_for(timeout=60_000)
        assert "charted" in header.locator(".jp-PyTracker-runTitle").text_content()
        # the parameter is dropped once handled, so a reload does not open it again
        fresh.wait_for_function("() => !location.search.includes('py-tracker-run')", timeout=10_000)
    finally:
        context.close()


LIVE = [
    "import os, time, py_tracker as wandb\n"
    f"r = wandb.init(project='plots', name='live-chart', {QUIET})\n"
    "line = lambda n: wandb.plot.line(wandb.Table(columns=['x', 'y'], data=[[i, i] for i in range(n)]), 'x', 'y')\n"
    "r.log({'grow': line(2)})\n"
    "while not os.path.exists('go'):\n    time.sleep(0.1)\n"
    "r.log({'grow': line(5)})\n"
    "while not os.path.exists('stop'):\n    time.sleep(0.1)\n"
    "r.finish()",
]


def test_custom_chart_of_a_running_run_follows_its_newest_value(lab, page):
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    lab.write_notebook("live.ipynb", LIVE)
    lab.open(page, "live.ipynb")
    lab.run_all(page)
    try:
        row = page.locator(".jp-PyTracker-runRow[data-state='running']").filter(
            has=page.locator(".jp-PyTracker-runName", has_text="live-chart"))
        row.wait_for(timeout=60_000)
        row.locator(".jp-PyTracker-runName").click()
        view = page.locator(".jp-PyTracker-runView").filter(
            has=page.locator(".jp-PyTracker-runTitle", has_text="live-chart"))
        view.locator(".jp-PyTracker-tab[data-tab='Custom charts']").click()
        chart = view.locator(".jp-PyTracker-customChart[data-key='grow']")
        chart.wait_for(timeout=20_000)
        page.wait_for_function("n => n.dataset.points === '2'", arg=chart.element_handle(), timeout=10_000)
        (lab.root_dir / "go").write_text("")
        # the run is still running: the view picks up the new table by polling
        page.wait_for_function(
            "() => [...document.querySelectorAll(\".jp-PyTracker-customChart[data-key='grow']\")]"
            ".some(n => n.dataset.points === '5')", timeout=20_000)
        assert lab.api("runs", project="plots", search="live-chart")["runs"][0]["state"] == "running"
    finally:
        (lab.root_dir / "go").write_text("")
        (lab.root_dir / "stop").write_text("")
