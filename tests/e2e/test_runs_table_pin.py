"""Runs table: pinned columns stay in view when the table scrolls sideways (issue 16, "show/hide/pin
columns"), read from Chromium's layout: `name` (pinned by default) and `lr` (pinned from the pin
chooser, as a user picks it) come first, their cells and header buttons are `position: sticky`,
and after scrolling the table 400 px to the right they sit where they were while the other
columns moved; opaque and readable (WCAG >= 4.5:1) in the light and dark theme."""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .test_theme_contrast import JS_CONTRAST, _set_theme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

KEYS = [f"param_{k:02d}" for k in range(14)]
CELLS = [
    (
        "import py_tracker as pt\n"
        "for i in range(3):\n"
        f"    cfg = {{k: i * 10 + j for j, k in enumerate({KEYS!r})}}\n"
        "    run = pt.init(project='e2e-pin', name=f'wide-{i}', config={**cfg, 'lr': 0.1 / (i + 1)},\n"
        "                  settings={'display': False, 'monitor_interval': None})\n"
        "    run.log({'loss': 1.0 / (i + 1)})\n    run.finish()\n"
        "table = pt.runs_table('e2e-pin')\ndisplay(table)"
    ),
]

# left edges (page px) and computed position of the first row's cells and the header buttons
JS_LAYOUT = """() => {
  const t = document.querySelector('.py-tracker-runs');
  const grid = t.querySelector('.pyt-rt-grid');
  const row = t.querySelector('.pyt-rt-body .pyt-rt-row');
  const cells = {};
  for (const c of row.querySelectorAll('.pyt-rt-c')) {
    cells[c.dataset.col] = {left: c.getBoundingClientRect().left, position: getComputedStyle(c).position,
                            bg: getComputedStyle(c).backgroundColor};
  }
  const heads = [...t.querySelectorAll('.pyt-rt-h button')].map(b => ({text: b.textContent.trim(),
    left: b.getBoundingClientRect().left, position: getComputedStyle(b).position}));
  return {gridLeft: grid.getBoundingClientRect().left, scrollWidth: grid.scrollWidth, clientWidth: grid.clientWidth,
          scrollLeft: grid.scrollLeft, order: [...row.querySelectorAll('.pyt-rt-c')].map(c => c.dataset.col),
          cells, heads};
}"""


def test_pinned_columns_stay_in_view_when_scrolling_sideways(lab, page):
    lab.write_notebook("pin.ipynb", CELLS)
    lab.open(page, "pin.ipynb")
    lab.run_all(page)
    table = page.locator(".py-tracker-runs").first
    table.locator(".pyt-rt-body .pyt-rt-row").first.wait_for(timeout=90_000)
    # pin lr as a user does: ctrl-click it in the pin chooser (name is pinned already)
    table.locator(".widget-select-multiple", has_text="pin").locator("select").select_option(
        label=["name", "lr"])
    page.wait_for_function("() => document.querySelector('.py-tracker-runs .pyt-rt-body .pyt-rt-row')"
                           ".querySelectorAll('.pyt-rt-pin').length === 2", timeout=30_000)
    before = page.evaluate(JS_LAYOUT)
    assert before["order"][:2] == ["name", "config.lr"], before["order"]
    assert before["scrollWidth"] > before["clientWidth"] + 400, before  # wide enough to scroll
    for col in ("name", "config.lr"):
        assert before["cells"][col]["position"] == "sticky"
    assert before["cells"]["state"]["position"] == "static"
    heads = {h["text"].rstrip(" ▲▼"): h for h in before["heads"]}
    assert heads["name"]["position"] == heads["lr"]["position"] == "sticky"
    assert heads["state"]["position"] != "sticky"

    table.locator(".pyt-rt-grid").evaluate("g => { g.scrollLeft = 400; }")
    page.wait_for_timeout(300)
    after = page.evaluate(JS_LAYOUT)
    assert after["scrollLeft"] == 400
    for col in ("name", "config.lr"):
        assert abs(after["cells"][col]["left"] - before["cells"][col]["left"]) < 1, (col, before, after)
    assert abs(after["cells"]["state"]["left"] - (before["cells"]["state"]["left"] - 400)) < 1
    heads_after = {h["text"].rstrip(" ▲▼"): h for h in after["heads"]}
    assert abs(heads_after["lr"]["left"] - heads["lr"]["left"]) < 1
    assert abs(heads_after["state"]["left"] - (heads["state"]["left"] - 400)) < 1
    # the pinned lr cell starts right after the checkbox column and the pinned name
    name_w = before["cells"]["config.lr"]["left"] - before["cells"]["name"]["left"]
    assert abs(after["cells"]["name"]["left"] - (after["gridLeft"] + 28)) < 1.5 and name_w > 40

    failures = []
    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        layout = page.evaluate(JS_LAYOUT)
        for col in ("name", "config.lr"):  # opaque: scrolled cells do not show through
            assert not layout["cells"][col]["bg"].startswith("rgba(0, 0, 0, 0"), (theme, layout["cells"][col])
        got = page.evaluate(JS_CONTRAST, {"pinned": ".py-tracker-runs .pyt-rt-pin"})
        assert len(got["pinned"]) >= 8, got
        failures += [(theme, it) for it in got["pinned"] if it["ratio"] < 4.5]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        table.screenshot(path=str(ARTIFACTS / f"theme-{theme}-runs-table-pinned.png"))
    assert not failures, failures
