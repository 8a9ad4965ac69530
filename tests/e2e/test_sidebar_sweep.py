"""Issue 16: the sidebar's sweep view, in a real JupyterLab + Chromium. A notebook runs a real
5-trial grid sweep over a float `lr` and a categorical `optimizer` (one category a hostile
string), with `batch` swept over one value (constant); the sweep row's ⫼ button opens the view,
and what Chromium draws is read back: one polyline per trial, the axes (the constant one left
out), each axis' tick labels against the server's values, every line passing through its own
values' ticks, the categories on the categorical axis, hover naming the trial, the importance
table, the metric picker, the "metric by trial" chart with every trial, the hostile names as
text, no dialog; then text contrast >= 4.5:1 in the light and the dark theme, with a screenshot
of each in test-artifacts/e2e/."""
from __future__ import annotations

import pytest

from .conftest import ARTIFACTS
from .test_theme_contrast import JS_CONTRAST, _set_theme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

XSS = "<img src=x onerror=alert(1)>"
CAT = "<b>sgd</b>"
CELLS = [
    (f"import json, py_tracker as pt\nXSS, CAT = {XSS!r}, {CAT!r}\n"
    "cfg = {'method': 'grid', 'name': XSS, 'metric': {'name': 'val_loss', 'goal': 'minimize'},\n"
    "       'parameters': {'lr': {'values': [0.001, 0.01, 0.1]}, 'optimizer': {'values': ['adam', CAT]},\n"
    "                      'batch': {'values': [32]}}}\n"
    "sid = pt.sweep(cfg, project='e2e-sweepview')\n"
    "def train():\n"
    "    run = pt.init(settings={'display': False, 'monitor_interval': None})\n"
    "    k = 1.0 if run.config.optimizer == 'adam' else 3.0\n"
    "    for i in range(3):\n"
    "        run.log({'val_loss': run.config.lr * k * (3 - i), 'acc': 1 - run.config.lr})\n"
    "    run.finish()\n"
    "pt.agent(sid, function=train, count=5)\n"
    "open('sweep.json', 'w').write(json.dumps({'id': sid}))"),
]

# per axis: [name, kind, [(label, y of its tick mark)]]; per polyline: its points and hover text
JS_DRAWN = """(view) => {
  const axes = [...view.querySelectorAll('.jp-PyTracker-axis')].map(g => {
    const marks = [...g.querySelectorAll('line.jp-PyTracker-axisLine')].slice(1);
    const labels = [...g.querySelectorAll('text.jp-PyTracker-tickLabel')];
    return [g.dataset.axis, g.dataset.kind, labels.map((t, i) => [t.textContent, Number(marks[i].getAttribute('y1'))]),
            Number(g.querySelector('line').getAttribute('x1'))];
  });
  const lines = [...view.querySelectorAll('polyline.jp-PyTracker-trialLine')].map(p => ({
    points: p.getAttribute('points').split(' ').map(xy => xy.split(',').map(Number)),
    title: p.querySelector('title').textContent, stroke: getComputedStyle(p).stroke, run: p.dataset.runId}));
  return {axes, lines};
}"""

SELECTORS = {
    "sweep-header": ".jp-PyTracker-sweepView .jp-PyTracker-runHeader span",
    "sweep-notes": ".jp-PyTracker-sweepView .jp-PyTracker-sectionTitle, .jp-PyTracker-sweepView .jp-PyTracker-sweepConstant",
    "sweep-svg": ".jp-PyTracker-sweepView svg text",
    "sweep-importance": ".jp-PyTracker-sweepView .jp-PyTracker-importanceTable td, "
                        ".jp-PyTracker-sweepView .jp-PyTracker-importanceTable th, .jp-PyTracker-sweepView .jp-PyTracker-importanceNote",
}


def test_sidebar_sweep_view_draws_the_trials(lab, page):
    lab.run_with_sidebar(page, "sweepview.ipynb", CELLS)
    sid = lab.wait_json(page, "sweep.json", timeout=120)["id"]
    api = lab.api(f"sweeps/{sid}")["view"]
    assert len(api["trials"]) == 5

    row = page.locator(f".jp-PyTracker-sweepRow[data-sweep-id='{sid}']")
    row.wait_for(timeout=30_000)
    assert row.locator(".jp-PyTracker-runName").text_content() == XSS  # the sweep's name, as text
    row.locator(".jp-PyTracker-sweepOpen").click()
    view = page.locator(f"#py-tracker-sweepview-{sid} .jp-PyTracker-sweepView")
    view.locator("polyline.jp-PyTracker-trialLine").nth(4).wait_for(state="attached", timeout=20_000)  # a flat line has no height: "attached"
    assert view.locator(".jp-PyTracker-sweepName").text_content() == XSS

    drawn = view.evaluate(JS_DRAWN)
    lines, axes = drawn["lines"], drawn["axes"]
    assert len(lines) == 5  # one polyline per trial
    assert [a[0] for a in axes] == ["lr", "optimizer", "val_loss"]  # `batch` (one value) left out
    assert [a[1] for a in axes] == ["numeric", "categorical", "numeric"]
    assert view.locator(".jp-PyTracker-sweepConstant").text_content() == "constant (not drawn): batch = 32"
    for (name, _kind, ticks, _x), served in zip(axes, api["axes"]):
        assert [t[0] for t in ticks] == [t["label"] for t in served["ticks"]], name
    lr_labels = [t[0] for t in axes[0][2]]
    assert lr_labels[0] == "0.001" and lr_labels[-1] == "0.1" and len(lr_labels) > 2  # real values between
    assert [t[0] for t in axes[1][2]] == sorted(["adam", CAT])  # the categories, the hostile one as text

    # every line passes through its own values: its lr at the lr axis (ends), its category's tick,
    # and its metric's place between the metric axis' ends
    y_of = {name: dict(ticks) for name, _k, ticks, _x in axes}
    by_run = {t["run_id"]: t for t in api["trials"]}
    metric_lo, metric_hi = y_of["val_loss"][axes[2][2][0][0]], y_of["val_loss"][axes[2][2][-1][0]]
    lo, hi = api["axes"][2]["lo"], api["axes"][2]["hi"]
    for line in lines:
        trial = by_run[line["run"]]
        (x0, y0), (x1, y1), (x2, y2) = line["points"]
        assert [x0, x1, x2] == pytest.approx([a[3] for a in axes], abs=0.2)
        assert y1 == pytest.approx(y_of["optimizer"][trial["params"]["optimizer"]], abs=0.2)
        if trial["params"]["lr"] in (0.001, 0.1):
            assert y0 == pytest.approx(y_of["lr"][str(trial["params"]["lr"])], abs=0.2)
        frac = (trial["metric"] - lo) / (hi - lo)
        assert y2 == pytest.approx(metric_lo + frac * (metric_hi - metric_lo), abs=0.3)
        assert line["title"].startswith(f"#{trial['number']} {trial['name']} (finished)")
        assert f"optimizer = {trial['params']['optimizer']}" in line["title"]
    assert len({line["stroke"] for line in lines}) == 5  # coloured by the metric (5 different values)
    assert view.locator(".jp-PyTracker-colourBar[data-metric='val_loss'] text").count() == len(axes[2][2])

    # hover on a line (the middle of its first segment) shows that trial's name and values
    target = lines[3]
    (x0, y0), (x1, y1) = target["points"][:2]
    box = view.locator("svg.jp-PyTracker-parallelSvg").bounding_box()
    page.mouse.move(box["x"] + (x0 + x1) / 2, box["y"] + (y0 + y1) / 2)
    tip = view.locator(".jp-PyTracker-sweepTooltip")
    tip.wait_for(state="visible", timeout=5_000)
    assert tip.text_content().startswith(f"#{by_run[target['run']]['number']} {by_run[target['run']]['name']}")
    page.mouse.move(box["x"] + 2, box["y"] + box["height"] - 2)
    tip.wait_for(state="hidden", timeout=5_000)

    # the importance table: the varying parameters, not the constant one; both columns filled
    rows = view.locator(".jp-PyTracker-importanceTable tbody tr")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.param)")) == ["lr", "optimizer"]
    lr_row = view.locator(".jp-PyTracker-importanceTable tr[data-param='lr']")
    assert lr_row.get_attribute("data-sign") == "positive"
    assert float(lr_row.locator("td").nth(2).text_content().replace("−", "-")) > 0.5
    forests = rows.evaluate_all("rs => rs.map(r => Number(r.children[1].textContent))")
    assert sum(forests) == pytest.approx(1.0, abs=0.002)

    # "metric by trial": every trial on the x axis, one dot per trial with a value
    assert view.locator(".jp-PyTracker-trialTicks text").evaluate_all(
        "ts => ts.map(t => t.textContent)") == ["1", "2", "3", "4", "5"]
    assert view.locator("circle.jp-PyTracker-trialDot").count() == 5
    full = view.locator("svg.jp-PyTracker-byTrialSvg").bounding_box()["width"]
    assert full >= view.bounding_box()["width"] - 40  # full width

    # the metric picker: the parallel chart's last axis and the importance follow it
    picker = view.locator(".jp-PyTracker-metricPicker")
    assert picker.evaluate("s => [...s.options].map(o => o.value)") == ["val_loss", "acc"]
    picker.select_option("acc")
    view.locator(".jp-PyTracker-axis[data-role='metric'][data-axis='acc']").wait_for(timeout=10_000)
    assert "with respect to acc" in view.locator(".jp-PyTracker-importance .jp-PyTracker-sectionTitle").text_content()
    assert view.locator(".jp-PyTracker-byTrialTitle").text_content() == "acc by trial"
    picker.select_option("val_loss")
    view.locator(".jp-PyTracker-axis[data-role='metric'][data-axis='val_loss']").wait_for(timeout=10_000)

    # the runs-list filter stays reachable from the view
    view.locator(".jp-PyTracker-sweepTrials").click()
    page.locator(".jp-PyTracker-chip", has_text=f"sweep {sid}").wait_for(timeout=10_000)

    # nothing made from the hostile strings, no dialog
    assert view.locator("img, b").count() == 0
    assert page.dialogs == []

    # readable in both themes; a screenshot of each
    page.evaluate("id => window.jupyterapp.shell.activateById(id)", f"py-tracker-sweepview-{sid}")
    failures = []
    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        view.screenshot(path=str(ARTIFACTS / f"theme-{theme}-sidebar-sweep.png"))
        for name, items in page.evaluate(JS_CONTRAST, SELECTORS).items():
            assert items, f"{theme}: no text found for {name}"
            failures += [(theme, name, it) for it in items if it["ratio"] < 4.5]
    assert not failures, failures
