"""Issue 16, dark theme: the sidebar (run list, filters, sweep row) and every tab of its run view
(Charts, Custom charts, Tables, Media, System, Config, Summary, Logs, Files) are readable in
JupyterLab's light and dark theme.

Every element holding text of its own (a direct text node) is checked: Chromium's computed
text colour composited over its ancestors' computed backgrounds, WCAG ratio >= 4.5:1 (the
same measure as test_theme_contrast.py). The sidebar's Bokeh charts are checked through their
models: background following the theme, title and tick labels >= 4.5:1 against it. A
screenshot of each tab in each theme goes to test-artifacts/e2e/theme-{light,dark}-sidebar-*.png.
"""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .test_theme_contrast import JS_BOKEH, JS_CONTRAST, _set_theme, bokeh_failures

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

QUIET = "settings={'display': False, 'monitor_interval': 0.2}"
CELLS = [
    "import json, numpy as np, py_tracker as wandb\n"
    f"r = wandb.init(project='themed', name='themed-run', config={{'lr': 0.01, 'opt': 'adam'}}, {QUIET})\n"
    "red = np.zeros((12, 16, 3), dtype=np.uint8); red[..., 0] = 255\n"
    "t = wandb.Table(columns=['image', 'score', 'label'], data=[[wandb.Image(red), 1.5, 'a'], [None, 2, 'b']])\n"
    "for s in range(30):\n"
    "    r.log({'train/loss': 1 / (s + 1), 'train/acc': s / 30,\n"
    "           'weights': wandb.Histogram(np.arange(20) + s, num_bins=4)})\n"
    "    if s % 10 == 0:\n"
    "        r.log({'samples': wandb.Image(red, caption=f'step {s}')}, commit=False)\n"
    "r.log({'preds': t, 'curve': wandb.plot.line(wandb.Table(columns=['x', 'y'], data=[[0, 0], [1, 1]]), 'x', 'y')})\n"
    "print('hello from the run')\n"
    "import time; time.sleep(1)\n"
    "open('run.json', 'w').write(json.dumps({'id': r.id}))\n"
    "r.finish()",
]
TABS = ["Charts", "Custom charts", "Tables", "Media", "System", "Config", "Summary", "Logs", "Files"]

# mark every shown element with text of its own, so JS_CONTRAST reads exactly those
JS_MARK = """(root) => {
  document.querySelectorAll('[data-pt-text]').forEach(e => e.removeAttribute('data-pt-text'));
  let n = 0;
  for (const base of document.querySelectorAll(root)) {
    for (const e of [base, ...base.querySelectorAll('*')]) {
      if (e.closest('.bk-root, .bk-Figure, canvas, svg')) continue;
      const own = [...e.childNodes].some(c => c.nodeType === 3 && c.textContent.trim());
      if (own && e.getClientRects().length) { e.setAttribute('data-pt-text', ''); n++; }
    }
  }
  return n;
}"""

def test_sidebar_and_run_view_tabs_readable_in_light_and_dark(lab, page):
    lab.run_with_sidebar(page, "themed.ipynb", CELLS)
    run = lab.wait_json(page, "run.json")
    view = lab.open_run_view(page, "themed-run", run["id"])
    ready = {  # what each tab shows once loaded
        "Charts": ".jp-PyTracker-chartGrid", "Custom charts": "*", "Tables": ".jp-PyTracker-tables td",
        "Media": ".jp-PyTracker-mediaView", "System": "*", "Config": "table, .jp-PyTracker-kv",
        "Summary": "table, .jp-PyTracker-kv", "Logs": ".jp-PyTracker-log", "Files": "*",
    }
    failures, counted = [], {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        n = page.evaluate(JS_MARK, ".jp-PyTracker-sidebar")
        counted[(theme, "list")] = n
        page.locator(".jp-PyTracker-sidebar").screenshot(path=str(ARTIFACTS / f"theme-{theme}-sidebar-list.png"))
        failures += [(theme, "list", it) for it in page.evaluate(JS_CONTRAST, {"x": "[data-pt-text]"})["x"]
                     if it["ratio"] < 4.5]
        for tab in TABS:
            view.locator(f".jp-PyTracker-tab[data-tab='{tab}']").click()
            view.locator(f".jp-PyTracker-body :is({ready[tab]})").first.wait_for(timeout=30_000)
            page.wait_for_timeout(800)  # charts restyle within 1 s of a theme change
            counted[(theme, tab)] = page.evaluate(JS_MARK, f"#py-tracker-run-{run['id']}")
            view.screenshot(path=str(ARTIFACTS / f"theme-{theme}-sidebar-{tab.lower().replace(' ', '-')}.png"))
            failures += [(theme, tab, it) for it in page.evaluate(JS_CONTRAST, {"x": "[data-pt-text]"})["x"]
                         if it["ratio"] < 4.5]
            figs = page.evaluate(JS_BOKEH, f"#py-tracker-run-{run['id']}")
            failures += [(theme, tab, problem) for problem in bokeh_failures(figs, dark)]
    assert all(n > 0 for n in counted.values()), counted  # every view had text to check
    assert not failures, failures[:15]
