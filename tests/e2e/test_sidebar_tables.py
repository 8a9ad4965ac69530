"""`wandb.Table` in the sidebar's run view, in a real JupyterLab + Chromium: a notebook logs a
Table with an image column, a number column and a hostile string; the run's "Tables" tab shows
its rows, sorts them by a header click (numbers numerically), hides rows by the filter box, draws
the image cell from the PNG fetched through the authenticated files endpoint, and shows the
hostile string as text (no dialog, no element made from it)."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

XSS = "<img src=x onerror=alert(1)>"
QUIET = "settings={'display': False, 'monitor_interval': None}"
CELLS = [
    "import json, numpy as np, py_tracker as wandb\n"
    f"r = wandb.init(project='tables', name='tabled', {QUIET})\n"
    "red = np.zeros((12, 16, 3), dtype=np.uint8); red[..., 0] = 255\n"
    "t = wandb.Table(columns=['image', 'score', 'label'])\n"
    "t.add_data(wandb.Image(red, caption='red'), 10, 'ten')\n"
    "t.add_data(None, 9, 'nine')\n"
    f"t.add_data(None, 100, {XSS!r})\n"
    "t.add_data(None, 2.5, 'two and a half')\n"
    "r.log({'preds': t})\n"
    "r.log({'sq': wandb.plot.line(wandb.Table(columns=['x', 'y'], data=[[0, 0], [1, 1]]), 'x', 'y')})\n"
    "open('run.json', 'w').write(json.dumps({'id': r.id}))\n"
    "r.finish()",
]


def _column(table, i: int) -> list[str]:
    return table.locator(f"tbody tr td:nth-child({i})").evaluate_all("ns => ns.map(n => n.textContent)")


def test_sidebar_run_view_tables_tab_sorts_filters_and_draws_images(lab, page):
    lab.run_with_sidebar(page, "tables.ipynb", CELLS)
    run = lab.wait_json(page, "run.json")
    view = lab.open_run_view(page, "tabled", run["id"])
    view.locator(".jp-PyTracker-tab[data-tab='Tables']").click()
    tables = view.locator(".jp-PyTracker-tableView")
    tables.first.wait_for(timeout=20_000)
    # the Table, not the custom chart's table (that one is in "Custom charts")
    assert tables.evaluate_all("ns => ns.map(n => n.dataset.key)") == ["preds"]
    table = view.locator(".jp-PyTracker-tableView[data-key='preds']")
    assert table.locator("thead th").evaluate_all("ns => ns.map(n => n.textContent)") == ["image", "score", "label"]
    assert _column(table, 2) == ["10", "9", "100", "2.5"]  # as logged
    assert _column(table, 3) == ["ten", "nine", XSS, "two and a half"]  # the hostile string is text

    # a header click sorts by value (not as text: "100" > "2.5" > "10" > "9"), a second one reverses
    table.locator("thead th[data-col='1']").click()
    assert _column(table, 2) == ["2.5", "9", "10", "100"]
    table.locator("thead th[data-col='1']").click()
    assert _column(table, 2) == ["100", "10", "9", "2.5"]
    assert table.locator("thead th[data-col='1']").text_content() == "score ▼"

    # the image cell: an <img> drawn from the PNG fetched with Jupyter's auth (a blob URL)
    img = table.locator("img.jp-PyTracker-tableImage")
    assert img.count() == 1
    page.wait_for_function("n => n.complete && n.naturalWidth > 0", arg=img.element_handle(), timeout=10_000)
    assert img.evaluate("n => [n.naturalWidth, n.naturalHeight, n.src.startsWith('blob:'), n.alt]") == [
        16, 12, True, "red"]

    # the filter hides the rows whose cells do not contain the text (any column, any case)
    table.locator(".jp-PyTracker-tableFilter").fill("E")
    assert _column(table, 3) == [XSS, "ten", "nine"]  # still sorted by score, descending
    assert table.locator(".jp-PyTracker-tableNote").text_content() == '3 of 4 rows match "E"'
    table.locator(".jp-PyTracker-tableFilter").fill("onerror")
    assert _column(table, 3) == [XSS]
    table.locator(".jp-PyTracker-tableFilter").fill("")
    assert len(_column(table, 3)) == 4

    # nothing was made from the hostile string: one <img> only (the image cell's), no dialog
    assert table.locator("img").count() == 1
    assert page.dialogs == []
    lab.screenshot(page, "sidebar-tables")
