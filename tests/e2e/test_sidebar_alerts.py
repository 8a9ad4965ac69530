"""`wandb.alert()` in the sidebar, in a real JupyterLab + Chromium (issue 11): a notebook run
raises an INFO and then a WARN alert whose title is HTML-ish; its sidebar row shows a badge "2"
in the theme's warn colour titled with the newest alert (badges of INFO and ERROR runs too, all
with text >= 4.5:1 in light and dark), a run without alerts shows none, and
its run view's header lists both alerts, newest first, as text (no <b> element, no dialog)."""
from __future__ import annotations

import datetime as dt

import pytest

from .test_theme_contrast import JS_CONTRAST, _set_theme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

HTMLISH = "<b>x</b>"
QUIET = "settings={'display': False, 'monitor_interval': None}"
CELLS = [
    "import json, py_tracker as wandb\n"
    f"r = wandb.init(project='alerts', name='alerted', {QUIET})\n"
    "r.log({'loss': 1.0})\n"
    "wandb.alert(title='started', text='all good', level=wandb.AlertLevel.INFO)\n"
    f"wandb.alert(title={HTMLISH!r}, text='loss <i>rising</i>', level=wandb.AlertLevel.WARN)\n"
    "r.finish()\n"
    "open('alerted.json', 'w').write(json.dumps({'id': r.id}))",
    f"q = wandb.init(project='alerts', name='quiet', {QUIET})\nq.finish()\n"
    "for level in ('INFO', 'ERROR'):\n"
    f"    o = wandb.init(project='alerts', name=f'one-{{level}}', {QUIET})\n"
    "    o.alert(title='t', text=level, level=level)\n    o.finish()",
]


def _clock(epoch: float, utc_offset_min: int) -> str:
    """hh:mm:ss of `epoch` in the browser's time zone."""
    return dt.datetime.fromtimestamp(epoch, dt.timezone(dt.timedelta(minutes=utc_offset_min))).strftime("%H:%M:%S")


def test_alert_badge_and_run_view_lines(lab, page):
    lab.run_with_sidebar(page, "alerts.ipynb", CELLS)
    run_id = lab.wait_json(page, "alerted.json")["id"]

    rows = page.locator(".jp-PyTracker-runRow[data-state='finished']")
    row = rows.filter(has=page.locator(".jp-PyTracker-runName", has_text="alerted"))
    row.wait_for(timeout=60_000)
    quiet = rows.filter(has=page.locator(".jp-PyTracker-runName", has_text="quiet"))
    quiet.wait_for(timeout=30_000)
    assert quiet.locator(".jp-PyTracker-alertBadge").count() == 0  # no alerts, no badge
    for level in ("INFO", "ERROR"):
        one = rows.filter(has=page.locator(".jp-PyTracker-runName", has_text=f"one-{level}"))
        one.wait_for(timeout=30_000)
        assert one.locator(f".jp-PyTracker-alertBadge.jp-PyTracker-alert-{level.lower()}").text_content() == "1"

    # the badge: the count, the warn colour of the theme, the newest alert as its title
    badge = row.locator(".jp-PyTracker-alertBadge")
    assert badge.text_content() == "2"
    colours = badge.evaluate(
        "b => { const probe = document.createElement('span');"
        " probe.style.background = 'var(--jp-warn-color1)'; document.body.appendChild(probe);"
        " const want = getComputedStyle(probe).backgroundColor; probe.remove();"
        " return [getComputedStyle(b).backgroundColor, want]; }")
    assert colours[0] == colours[1] and colours[0] not in ("", "rgba(0, 0, 0, 0)"), colours
    assert badge.get_attribute("title") == f"WARN {HTMLISH}: loss <i>rising</i>"

    # the run view's header: both alerts, newest first, "LEVEL hh:mm:ss title: text"
    row.locator(".jp-PyTracker-runName").click()
    view = page.locator(f"#py-tracker-run-{run_id}")
    lines = view.locator(".jp-PyTracker-runHeader .jp-PyTracker-alertLine")
    lines.nth(1).wait_for(timeout=20_000)
    alerts = lab.api(f"runs/{run_id}")["run"]["alerts"]
    offset = -page.evaluate("() => new Date().getTimezoneOffset()")
    assert lines.all_text_contents() == [
        f"WARN {_clock(alerts[1]['at'], offset)} {HTMLISH}: loss <i>rising</i>",
        f"INFO {_clock(alerts[0]['at'], offset)} started: all good",
    ]
    assert page.locator(".jp-PyTracker-sidebar b, .jp-PyTracker-sidebar i, .jp-PyTracker-runView b,"
                        " .jp-PyTracker-runView i").count() == 0
    assert page.dialogs == []
    lab.screenshot(page, "alerts-light")

    # badge text stays readable (WCAG >= 4.5:1) on each level's colour in both themes
    for dark in (False, True):
        _set_theme(page, dark)
        ratios = page.evaluate(JS_CONTRAST, {"badge": ".jp-PyTracker-alertBadge", "lines": ".jp-PyTracker-alertLine"})
        assert len(ratios["badge"]) == 3 and len(ratios["lines"]) == 2, ratios
        low = [r for items in ratios.values() for r in items if r["ratio"] < 4.5]
        assert not low, (dark, low)
    lab.screenshot(page, "alerts-dark")
