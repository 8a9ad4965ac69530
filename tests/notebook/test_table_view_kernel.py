"""In a real Jupyter kernel: the live run panel of a run that logs a wandb.Table (with an Image
column) carries the rendered table in its widget state, escaped, images inline."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[2]


def test_live_panel_in_kernel_renders_logged_table(store, monkeypatch):
    cells = [
        ("import numpy as np, py_tracker as pt\n"
        "run = pt.init(project='k', settings={'flush_interval': 0.05})\n"
        "for step in range(2):\n"
        "    t = pt.Table(columns=['id', 'label', 'image'])\n"
        "    t.add_data(step, '<b>x</b>', pt.Image(np.zeros((4, 4, 3), dtype=np.uint8), caption='cap'))\n"
        "    run.log({'preds': t, 'loss': 1.0})"),
        "import time; time.sleep(1.5)\nrun.finish()",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_py = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{REPO}{os.pathsep}{env_py}" if env_py else str(REPO))
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    errors = [o for c in nb.cells for o in c.outputs if o.get("output_type") == "error"]
    assert not errors, errors
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    htmls = [m["state"].get("value", "") for m in state.values() if m.get("model_name") == "HTMLModel"]
    tables = [h for h in htmls if '<table class="py-tracker-table"' in h]
    assert tables, json.dumps(htmls)[:2000]
    shown = tables[-1]
    assert "<td data-sort=\"1\" data-num=\"1\">1</td>" in shown  # the newest step's row
    assert "&lt;b&gt;x&lt;/b&gt;" in shown and "<b>x</b>" not in shown
    assert '<img src="data:image/png;base64,' in shown and "<small>cap</small>" in shown
    assert any(m.get("model_name") == "IntSliderModel" and m["state"].get("max") == 1 for m in state.values())
