"""Zoom, smoothing and shared hover in the sidebar's run view, read from what Chromium draws
(issue 16, "zoom and smoothing in the sidebar charts", "hover and x-range synced across a run's
charts"): with smoothing at 0.8 the drawn `train/loss` line is the EMA (W&B's, debiased) of the
logged rows, the raw line faint behind it; a box dragged on one `_step` chart zooms every `_step`
chart of the run to the same x-range (the `epoch` chart keeps its own), the wheel zooms them
together, hovering one draws the crosshair and values in the others, Reset zoom brings the full
range back. The toolbar is readable in both JupyterLab themes; screenshots of each."""
from __future__ import annotations

import math

import pytest

import py_tracker as pt

from .conftest import ARTIFACTS
from .test_theme_contrast import _contrast, _set_theme

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
STEPS = 300
WEIGHT = 0.8


def _loss(step: int) -> float:
    return 2.0 / (1 + step / 30) + (0.4 if step % 7 == 0 else 0.0) + 0.05 * math.sin(step)


def _ema(values: list[float], w: float) -> list[float]:
    """W&B's default smoothing, written here from its definition: EMA with the debias term."""
    out, last = [], 0.0
    for n, v in enumerate(values, start=1):
        last = last * w + (1 - w) * v
        out.append(last / (1 - w ** n))
    return out


@pytest.fixture(scope="module")
def run_id(lab) -> str:
    run = pt.init(dir=lab.store, project="zoom", name="noisy", settings=QUIET, reinit="create_new")
    run.define_metric("epoch")
    run.define_metric("val/loss", step_metric="epoch")
    for step in range(STEPS):
        run.log({"train/loss": _loss(step), "train/acc": step / STEPS})
        if step % 50 == 49:
            run.log({"epoch": step // 50, "val/loss": 1.0 / (1 + step // 50)}, commit=False)
    run.finish()
    return run.id


# the strongest alpha of a blue (series colour) pixel within 3 px of a canvas point (CSS px)
JS_BLUE_ALPHA = """(c, [x, y]) => { const r = window.devicePixelRatio || 1;
  const d = c.getContext('2d').getImageData(Math.round(x * r) - 3, Math.round(y * r) - 3, 7, 7).data;
  let best = 0; for (let i = 0; i < d.length; i += 4) if (d[i+2] > d[i] + 40) best = Math.max(best, d[i+3]);
  return best; }"""


def _drawn(chart) -> dict:
    return chart.evaluate("n => JSON.parse(JSON.stringify(n.pyTrackerDrawn))")


def _x_range(chart) -> list[float]:
    return [float(v) for v in chart.get_attribute("data-x-range").split(",")]


def test_smoothing_zoom_and_hover_shared_across_the_runs_charts(lab, page, run_id):
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")
    row = page.locator(".jp-PyTracker-runRow").filter(has=page.locator(".jp-PyTracker-runName", has_text="noisy"))
    row.wait_for(timeout=60_000)
    row.locator(".jp-PyTracker-runName").click()
    view = page.locator(f"#py-tracker-run-{run_id}")
    loss = view.locator(".jp-PyTracker-chart[data-key='train/loss']")
    acc = view.locator(".jp-PyTracker-chart[data-key='train/acc']")
    val = view.locator(".jp-PyTracker-chart[data-key='val/loss']")
    for chart in (loss, acc, val):
        chart.wait_for(timeout=30_000)
    page.wait_for_function("n => n.pyTrackerDrawn && n.pyTrackerDrawn.series.length === 1",
                           arg=loss.element_handle(), timeout=10_000)
    logged = [_loss(s) for s in range(STEPS)]
    before = _drawn(loss)
    assert before["smoothing"] == 0 and before["series"][0]["y"] == pytest.approx(logged)

    # smoothing: the slider as a user moves it; the drawn line is the EMA of the logged rows
    slider = view.locator("input.jp-PyTracker-smoothing")
    slider.fill(str(WEIGHT))
    assert view.locator(".jp-PyTracker-smoothingValue").text_content() == f"{WEIGHT:.2f}"
    page.wait_for_function(f"n => n.pyTrackerDrawn.smoothing === {WEIGHT}", arg=loss.element_handle(),
                           timeout=5_000)
    frame = _drawn(loss)
    (line,) = frame["series"]
    assert line["x"] == list(range(STEPS))
    assert line["raw"] == pytest.approx(logged)
    assert line["y"] == pytest.approx(_ema(logged, WEIGHT), rel=1e-9)
    assert _drawn(acc)["smoothing"] == WEIGHT  # one slider for the run's charts
    # on the canvas: the smoothed line opaque at its points, the raw spike (step 7) faint
    plot, (y0, y1) = frame["plot"], frame["y"]
    raw_py = plot["top"] + plot["height"] * (1 - (logged[7] - y0) / (y1 - y0))
    smooth_alpha, raw_alpha = (loss.locator("canvas").evaluate(JS_BLUE_ALPHA, [x, y]) for x, y in
                               ((line["px"][150], line["py"][150]), (line["px"][7], raw_py)))
    assert smooth_alpha > 200, smooth_alpha
    assert 20 < raw_alpha < 160, raw_alpha  # the raw line is drawn, faint (alpha 0.25)

    # box zoom on train/loss: every _step chart shows the same x-range, val/loss (epoch) its own
    full_val = _x_range(val)
    box = loss.locator("canvas").bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 52 + (box["width"] - 64) * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 52 + (box["width"] - 64) * 0.5, y + 2, steps=5)
    page.mouse.up()
    page.wait_for_function("n => n.dataset.xRange.split(',').map(Number)[1] < 200",
                           arg=loss.element_handle(), timeout=5_000)
    x0, x1 = _x_range(loss)
    assert 60 < x0 < 90 and 135 < x1 < 165, (x0, x1)
    page.wait_for_function("([a, b]) => a.dataset.xRange === b.dataset.xRange",
                           arg=[loss.element_handle(), acc.element_handle()], timeout=5_000)
    assert _x_range(val) == full_val
    zoomed = _drawn(loss)
    inside = [v for x, v in zip(zoomed["series"][0]["x"], zoomed["series"][0]["raw"]) if x0 <= x <= x1]
    assert zoomed["y"][0] == pytest.approx(min(inside + [v for x, v in zip(line["x"], line["y"]) if x0 <= x <= x1]))
    assert loss.locator(".jp-PyTracker-chartReset").is_visible()

    # the wheel on train/acc zooms both (in, around the pointer)
    acc_box = acc.locator("canvas").bounding_box()
    page.mouse.move(acc_box["x"] + acc_box["width"] / 2, acc_box["y"] + acc_box["height"] / 2)
    page.mouse.wheel(0, -120)
    page.wait_for_function("([a, w]) => { const [p, q] = a.dataset.xRange.split(',').map(Number); return q - p < w; }",
                           arg=[acc.element_handle(), x1 - x0 - 1], timeout=5_000)
    page.wait_for_function("([a, b]) => a.dataset.xRange === b.dataset.xRange",
                           arg=[loss.element_handle(), acc.element_handle()], timeout=5_000)

    # hover on train/loss: the crosshair and the values at that x in train/acc as well
    lb = loss.locator("canvas").bounding_box()
    page.mouse.move(lb["x"] + lb["width"] / 2, lb["y"] + lb["height"] / 2)
    page.wait_for_function("([a, b]) => a.dataset.hoverX !== '' && a.dataset.hoverX === b.dataset.hoverX",
                           arg=[loss.element_handle(), acc.element_handle()], timeout=5_000)
    hover = float(acc.get_attribute("data-hover-x"))
    readout = acc.locator(".jp-PyTracker-chartReadout").text_content()
    assert readout.startswith("train/acc=") and f"@{round(hover)}" in readout, (readout, hover)
    assert val.get_attribute("data-hover-x") == ""  # another x axis: not this step

    for dark in (False, True):
        theme = "dark" if dark else "light"
        _set_theme(page, dark)
        toolbar = view.locator(".jp-PyTracker-chartToolbar")
        colours = toolbar.evaluate(
            """n => { const bg = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
                        if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255,255,255)'; };
                      return [...n.querySelectorAll('label, span, button')].map(e =>
                        [e.className, getComputedStyle(e).color, bg(e)]); }""")
        assert colours
        low = [(c, fg, bg) for c, fg, bg in colours if _contrast(fg, bg) < 4.5]
        assert not low, (theme, low)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        view.screenshot(path=str(ARTIFACTS / f"theme-{theme}-sidebar-zoom.png"))

    # Reset zoom: every chart back to the full range
    view.locator(".jp-PyTracker-resetZoom").click()
    page.wait_for_function("n => n.dataset.xRange.split(',').map(Number)[1] >= 299",
                           arg=acc.element_handle(), timeout=5_000)
    assert _x_range(loss) == _x_range(acc) == [0, STEPS - 1]
    assert page.dialogs == []
