"""Issue 16: a saved notebook carries BokehJS once per page load from the server, not 8 MB
inline; the saved notebook reopens without its kernel and still draws; and the noise.

- Five `%%track` panels (each with its snapshot) in one notebook, saved from JupyterLab:
  the bytes of outputs per panel stay <= 200 KB. A one-panel notebook with
  PY_TRACKER_BOKEH=inline (the old way), saved in the same run, is the baseline.
- The saved notebook opened in a fresh page after its kernel was shut down: the static
  snapshots are drawn, BokehJS came from `<base_url>/py-tracker/bokeh/`, no "Error
  displaying widget" text.
- Noise (issue 16 counted 71 "No such comm" errors and 148 "ColumnDataSource's columns
  must be of the same length" warnings in one page load): none in the browser console over
  the whole load, run and reopen.
- The kernel indicator reads busy while a tracked cell runs. It read Idle: JupyterLab creates a
  comm subshell over the control channel when the panel's first widget comm opens, and the
  kernel's idle for that control request is what the indicator showed until the cell ended.
  The server extension now lists the subshell requests as untracked message types
  (`py_tracker.server.kernelstatus`), which JupyterLab leaves out of the kernel's state.
"""
from __future__ import annotations

import json
import time

import pytest

from .conftest import lab_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

PANELS = 5
NOISE = ("No such comm", "same length", "Error displaying widget")


def _track_cell(i: int, steps: int = 40) -> str:
    return (f"%%track --project e2e-size --name panel{i}\n"
            f"for s in range({steps}):\n    pt.log({{'train/loss': 1 / (s + 1), 'train/acc': s / {steps}}})\n"
            "    time.sleep(0.01)")


def _outputs_bytes(path) -> int:
    """Bytes of the notebook's outputs (what the panels add to the file)."""
    nb = json.loads(path.read_text())
    return sum(len(json.dumps(c.get("outputs", []))) for c in nb["cells"])


def _save(page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)


def _shutdown_kernels(lab) -> None:
    for s in lab.request("GET", "api/sessions"):
        lab.request("DELETE", f"api/sessions/{s['id']}")


def _wait_finished(page, n: int, timeout: float = 180.0) -> None:
    page.wait_for_function(
        "n => { const ps = [...document.querySelectorAll('.py-tracker-panel')];"
        " return ps.length === n && ps.every(p => p.textContent.includes('finished')); }", arg=n,
        timeout=timeout * 1000)


JS_BOKEH_FROM_SERVER = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/py-tracker/bokeh/') && e.name.endsWith('bokeh.min.js')).length"""


def test_saved_notebook_is_small_and_reopens_without_kernel(lab, page, browser):
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    lab.write_notebook("size.ipynb", ["%load_ext py_tracker\nimport time, py_tracker as pt"]
                       + [_track_cell(i) for i in range(PANELS)])
    lab.open(page, "size.ipynb")
    lab.run_all(page)
    _wait_finished(page, PANELS)
    page.wait_for_function(f"() => document.querySelectorAll('.py-tracker-snapshot').length === {PANELS}",
                           timeout=30_000)
    page.locator(".py-tracker-panel canvas").first.wait_for(timeout=30_000)
    assert page.evaluate(JS_BOKEH_FROM_SERVER) >= 1, "BokehJS was not loaded from the server extension"
    _save(page)
    per_panel = _outputs_bytes(lab.root_dir / "size.ipynb") / PANELS
    assert per_panel <= 200 * 1024, f"{per_panel:.0f} bytes of outputs per panel"
    lab.screenshot(page, "notebook-size-live")

    # no kernel: a fresh page opens the saved notebook (a new kernel starts, without the models)
    _shutdown_kernels(lab)
    with lab_page(browser, lab) as fresh:
        fresh.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        lab.open(fresh, "size.ipynb")
        fresh.wait_for_function(f"() => [...document.querySelectorAll('.py-tracker-snapshot')]"
                                f".filter(s => s.offsetParent !== null).length === {PANELS}", timeout=30_000)
        assert fresh.locator(".py-tracker-snapshot svg polyline").count() >= 2 * PANELS
        fresh.wait_for_function(JS_BOKEH_FROM_SERVER, timeout=30_000)  # the saved loader still loads it
        fresh.wait_for_timeout(3000)  # the widget manager has answered "model not found" by now
        text = fresh.locator(".jp-NotebookPanel .jp-Notebook").first.inner_text()
        assert "Error displaying widget" not in text
        lab.screenshot(fresh, "notebook-size-reopened")
    # the baseline of the same run, in a page of its own (BokehJS loads once per page):
    # BokehJS inline, one panel
    _shutdown_kernels(lab)
    with lab_page(browser, lab) as base:
        lab.write_notebook("inline.ipynb", ["%env PY_TRACKER_BOKEH=inline\n%load_ext py_tracker\nimport time, py_tracker as pt",
                                            _track_cell(0)])
        lab.open(base, "inline.ipynb")
        lab.run_all(base)
        _wait_finished(base, 1)
        base.locator(".py-tracker-snapshot").first.wait_for(state="attached", timeout=30_000)
        _save(base)
        inline_per_panel = _outputs_bytes(lab.root_dir / "inline.ipynb")

    print(f"\nnotebook outputs per panel: {per_panel / 1024:.1f} KB from the server extension, "
          f"{inline_per_panel / 1024:.1f} KB with BokehJS inline (one panel)")
    assert inline_per_panel > 10 * per_panel  # the baseline really inlined BokehJS
    noise = [c for c in console if any(n in c for n in NOISE)]
    assert not noise, noise[:10]


def test_kernel_reads_busy_while_a_tracked_cell_runs(lab, page):
    lab.write_notebook("busy.ipynb", ["%load_ext py_tracker\nimport time, py_tracker as pt",
                                      "%%track --project e2e-busy --name busy\n"
                                      "for s in range(1000):\n    pt.log({'x': s})\n    time.sleep(0.05)"])
    lab.open(page, "busy.ipynb")
    page.evaluate("""() => { window.__msgs = []; const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
      k.anyMessage.connect((_, a) => { const m = a.msg; window.__msgs.push([a.direction, m.channel, m.header.msg_type,
        (m.content && m.content.execution_state) || '', (m.parent_header && m.parent_header.msg_type) || '']); }); }""")
    lab.run_all(page)
    page.locator(".py-tracker-panel").first.wait_for(timeout=60_000)
    page.wait_for_function("() => { const p = document.querySelector('.py-tracker-points');"
                           " return p && Number(p.textContent.replace(/\\D/g, '')) > 0; }", timeout=30_000)
    samples = []
    # the cell runs while its prompt reads [*]
    js = ("() => { const w = window.jupyterapp.shell.currentWidget; return [w.sessionContext.kernelDisplayStatus,"
          " (w.content.widgets[1].promptNode.textContent || '').includes('*')]; }")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, running = page.evaluate(js)
        if not running:
            break
        samples.append(status)
        time.sleep(0.1)
    msgs = page.evaluate("() => window.__msgs")
    assert len(samples) >= 10, samples
    subshell = [m for m in msgs if m[1] == "iopub" and m[2] == "status" and m[4] == "create_subshell_request"]
    assert not ("idle" in samples and subshell), \
        f"JupyterLab's create_subshell_request (control channel) answered idle mid-cell: {samples}"
    assert set(samples) == {"busy"}, f"kernel status while the tracked cell ran: {samples}"
