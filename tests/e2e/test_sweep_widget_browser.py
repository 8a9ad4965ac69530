"""The sweep widget in a real JupyterLab 4.6 + Chromium (ipykernel 7.4): Start, Skip and Stop
clicked in the page act within a second while a trial trains, Stop also while the kernel's
main shell is busy with other code. Times include polling the REST API (20-50 ms)."""
from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

CELLS = [
    "%load_ext py_tracker\nimport time, py_tracker as pt",
    "%%track --project e2e-sweep --id train --no-display\n"
    "for i in range(int(pt.config.get('steps', 2))):\n"
    "    pt.log({'loss': float(pt.config.get('lr', 1.0)) / (i + 1)})\n    time.sleep(0.05)",
    "cfg = {'method': 'grid', 'metric': {'name': 'loss'},\n"
    "       'parameters': {'lr': {'values': [1.0, 2.0, 3.0]}, 'steps': {'value': 4000}}}\n"
    "w = %track sweep cfg --cell train --project e2e-sweep\nw",
]


def _trials(lab) -> list[dict]:
    data = lab.api("runs", project="e2e-sweep")
    runs = data["runs"] if isinstance(data, dict) else data
    return sorted((r for r in runs if r.get("sweep_id")), key=lambda r: r.get("created_at") or 0)


def _wait(pred, timeout: float, step: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = pred()
        if out:
            return out
        time.sleep(step)
    return pred()


def test_sweep_widget_buttons_act_while_trials_train(lab, page):
    lab.write_notebook("sweep.ipynb", CELLS)
    lab.open(page, "sweep.ipynb")
    lab.run_all(page)
    widget = page.locator(".py-tracker-sweep").first
    widget.wait_for(timeout=60_000)
    start = widget.locator(".py-tracker-start-button")
    page.wait_for_function("() => { const b = document.querySelector('.py-tracker-start-button');"
                           " return b && !b.disabled; }", timeout=30_000)
    start.click()
    assert _wait(lambda: len(_trials(lab)) == 1 and _trials(lab)[0]["state"] == "running", 30)
    widget.locator(".py-tracker-chart canvas").first.wait_for(timeout=30_000)  # the trial's live chart
    page.wait_for_function("() => { const b = document.querySelector('.py-tracker-stop');"
                           " return b && [...b.classList].some(c => c.startsWith('py-tracker-run-')); }",
                           timeout=10_000)

    # Skip with an idle kernel: the trial ends, the next one starts
    t0 = time.monotonic()
    widget.locator(".py-tracker-skip-button").click()
    assert _wait(lambda: _trials(lab)[0]["state"] == "stopped", 5, 0.02)
    skip_latency = time.monotonic() - t0
    assert _wait(lambda: len(_trials(lab)) == 2 and _trials(lab)[1]["state"] == "running", 10)

    # Stop while the main shell is busy with other code (time.sleep in an execute request).
    # JupyterLab 4.6 sends widget messages over a kernel subshell ("comms over subshells")
    # and ipykernel 7.4 runs them on the subshell's thread, so the click itself arrives at
    # once; elsewhere (ipykernel 6, classic front ends) the button's `py-tracker-stop
    # py-tracker-run-<id>` classes make the lab extension stop the trial out of band.
    began, ended = lab.root_dir / "busy-began", lab.root_dir / "busy-ended"
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.requestExecute("
                  "{code: \"import time; open('busy-began', 'w').close(); time.sleep(8); "
                  "open('busy-ended', 'w').close()\"}); }")
    assert _wait(began.exists, 10)
    page.wait_for_function("() => { const b = document.querySelector('.py-tracker-stop');"
                           " return b && !b.disabled; }", timeout=10_000)
    second = _trials(lab)[1]["id"]
    t1 = time.monotonic()
    widget.locator(".py-tracker-stop").first.click()
    assert _wait(lambda: {r["id"]: r for r in _trials(lab)}[second]["state"] == "stopped", 10, 0.02)
    stop_latency = time.monotonic() - t1
    sweeps = lab.api("sweeps")
    sweeps = sweeps["sweeps"] if isinstance(sweeps, dict) else sweeps
    assert [s["state"] for s in sweeps] == ["stopped"]
    busy = not ended.exists()
    assert busy, "the main shell was not busy any more when the stop arrived"
    widget.locator(".py-tracker-sweep-phase", has_text="stopped").wait_for(timeout=30_000)
    time.sleep(0.5)
    assert len(_trials(lab)) == 2 and all(r["state"] == "stopped" for r in _trials(lab))  # no trial 3
    lab.screenshot(page, "sweep-widget-stopped")
    widget.locator(".lm-TabBar-tab", has_text="Trials").click()
    assert widget.locator(".py-tracker-sweep-trials tr.py-tracker-trial").count() == 2
    lab.screenshot(page, "sweep-widget-trials")
    widget.locator(".lm-TabBar-tab", has_text="Charts").click()
    charts = widget.locator(".py-tracker-sweep-charts .py-tracker-chart")
    charts.nth(1).locator("canvas").first.wait_for(timeout=20_000)  # parallel coordinates + metric by trial
    # metric by trial: below the parallel chart, as wide as the tab (not squeezed to 170 px)
    tab_box = widget.locator(".py-tracker-sweep-charts").first.bounding_box()
    by_trial = charts.nth(1).bounding_box()
    assert tab_box and by_trial and by_trial["width"] >= 0.9 * tab_box["width"], (by_trial, tab_box)
    assert by_trial["y"] > charts.nth(0).bounding_box()["y"]  # type: ignore[index]
    assert "Parameter importance" in widget.locator(".py-tracker-importance").first.inner_text()
    lab.screenshot(page, "sweep-widget-charts")
    print(f"skip (idle kernel): {skip_latency * 1000:.0f} ms; stop (main shell busy): {stop_latency * 1000:.0f} ms")
    # What must hold is that both act while trials train (`busy` above: the stop arrived while the
    # main shell was still busy, not queued until the cell ended). The latencies (0.2–0.5 s on a
    # quiet machine, seconds on a loaded one) are printed; the bound only catches "never".
    assert skip_latency < 10.0 and stop_latency < 10.0
    assert page.dialogs == []
