"""Static snapshot (inline SVG, no JS) and its display next to the live panel."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from IPython.utils.capture import capture_output

import py_tracker as pt
from py_tracker.notebook import display as disp
from py_tracker.notebook.snapshot import SNAPSHOT_CLASS, STATIC_CLASS, run_snapshot, svg_chart

from .conftest import QUIET


def test_svg_chart_keeps_spike_and_escapes():
    import numpy as np
    y = np.zeros(100_000)
    y[77_777] = 50
    svg = svg_chart("<loss>", np.arange(100_000), y)
    assert "&lt;loss&gt;" in svg and "<loss>" not in svg
    assert "50" in svg and svg.count(",") < 2000  # reduced, spike label kept as max


def test_run_snapshot_has_charts_summary_and_no_script(store):
    run = pt.init(project="s", name="<i>n</i>", config={"lr": 1}, settings=QUIET)
    for i in range(50):
        run.log({"train/loss": 1 / (i + 1), "acc": i / 50})
    run.finish()
    html = run_snapshot(pt.Api(store).run(run.id))
    assert SNAPSHOT_CLASS in html and html.count("<svg") == 2
    assert "<script" not in html and "&lt;i&gt;n&lt;/i&gt;" in html and "[finished]" in html


def test_show_run_displays_panel_then_snapshot(store, ipython_shell):
    run = pt.init(project="s", settings=QUIET)
    run.log({"loss": 1.0})
    with capture_output() as cap:
        panel = disp.show_run(run)
    kinds = [set(o.data) for o in cap.outputs]
    assert any("application/vnd.jupyter.widget-view+json" in k for k in kinds)
    did = panel.snapshot_display_id
    assert did in disp._pending
    run.finish()
    with capture_output() as cap:
        assert disp.publish_snapshots() == 1
    assert SNAPSHOT_CLASS in cap.outputs[-1].data["text/html"] and cap.outputs[-1].update
    # a finished run: the snapshot is shown at once
    with capture_output() as cap:
        disp.show_run(pt.Api(store).run(run.id))
    assert any(SNAPSHOT_CLASS in o.data.get("text/html", "") for o in cap.outputs)


def test_run_ended_by_a_later_cell_gets_its_snapshot_there(store, monkeypatch, ipython_shell):
    run = pt.init(project="s", settings=QUIET)
    monkeypatch.setattr(disp, "current_request", lambda: "cell-A")
    with capture_output():
        panel = disp.show_run(run)
    assert panel.origin_request == "cell-A"
    run.log({"loss": 1.0})
    run.finish()
    monkeypatch.setattr(disp, "current_request", lambda: "cell-B")
    with capture_output() as cap:
        disp._post_run_cell()
    out = cap.outputs[-1]
    assert SNAPSHOT_CLASS in out.data["text/html"]
    assert not out.update  # a new output in this cell, not an update of cell A's display
    assert panel.snapshot_display_id not in disp._pending


def _executed_html(tmp_path: Path, sources: list[str]) -> str:
    """`sources` as the code cells of a notebook executed in a real kernel (nbclient, the
    store in tmp_path/store), exported by nbconvert's HTMLExporter as JupyterLab saves it
    (no widget state): what a reader of the exported notebook sees."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in sources]
    with pytest.MonkeyPatch.context() as mp:  # the kernel inherits it; restored before the export
        mp.setenv("PY_TRACKER_DIR", str(tmp_path / "store"))
        NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    nb.metadata.pop("widgets", None)  # JupyterLab saves no widget state by default
    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def test_nbconvert_html_has_snapshots_and_no_widget_reprs(tmp_path):
    """A notebook executed in a real kernel (nbclient) and exported with nbconvert: the run
    panel and compare leave a one-line text instead of `VBox(children=(...))`, and the
    run's static snapshot is there."""
    body = _executed_html(tmp_path, [
        "import py_tracker as pt\nfrom py_tracker.notebook.tables.compare import compare\nruns = []\n"
        "for i in range(2):\n    run = pt.init(project='nbc', name=f'n{i}', config={'lr': 0.1 * (i + 1)})\n"
        "    for s in range(5):\n        run.log({'loss': 1.0 / (s + 1)})\n    run.finish()\n"
        "    runs.append(pt.Api().run(run.id))",
        "compare(runs)",
    ])
    assert "VBox(children" not in body and "GridBox(children" not in body
    assert body.count(SNAPSHOT_CLASS) >= 2 and "py_tracker run n0" in body
    assert "py_tracker compare of 2 runs" in body


def test_nbconvert_html_has_static_runs_table_compare_and_sweep(tmp_path):
    """Issue 16, nbconvert: the runs table, compare and the sweep widget leave a static view
    (HTML tables, SVG charts) under their widget, which nbconvert shows (no widget state)."""
    body = _executed_html(tmp_path, [
        "import py_tracker as pt\nruns = []\n"
        "for i in range(3):\n"
        "    run = pt.init(project='nbs', name=f'<b>r{i}', config={'lr': 0.25 * (i + 1)})\n"
        "    for s in range(6):\n        run.log({'loss': (i + 1.0) / (s + 1)})\n    run.finish()\n"
        "    runs.append(pt.Api().run(run.id))",
        "pt.runs_table('nbs')",
        "from py_tracker.notebook.tables.compare import compare\ncompare(runs)",
        "def train():\n    run = pt.init()\n    run.log({'score': run.config['x'] * 2.0})\n    run.finish()\n"
        "w = pt.sweep_widget({'method': 'grid', 'metric': {'name': 'score', 'goal': 'maximize'},\n"
        "                     'parameters': {'x': {'values': [1, 2, 3]}}}, function=train, project='nbs-sweep')\n"
        "w.start(); w.wait(120)\nw",
    ])
    assert "VBox(children" not in body and "GridBox(children" not in body
    table, compare, sweep = (re.split(f"class=[\"']{STATIC_CLASS} {STATIC_CLASS}-{k}[\"']", body)[1]
                             .split("(static view,", 1)[0] for k in ("runs", "compare", "sweep"))
    # runs table: every run a row, names escaped, config values shown
    assert all(f"&lt;b&gt;r{i}" in table for i in range(3)) and "<b>r0" not in table
    assert "0.75" in table and "finished" in table
    # compare: one SVG chart for loss with a line per run, and the config diff
    assert compare.count("<svg") == 1 and compare.count("<polyline") == 3 and "lr" in compare
    # sweep: three trials with their score, the best (6) among them, and the metric-by-trial chart
    assert sweep.count("finished") >= 3 and "6" in sweep and "score by trial" in sweep
    assert "<script" not in table + compare + sweep
