"""examples/notebook_quickstart.ipynb runs top to bottom in a real kernel (nbclient) in < 60 s."""
from __future__ import annotations

import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import py_tracker as pt

ROOT = Path(__file__).resolve().parents[2]


def test_quickstart_notebook_runs(store, monkeypatch):
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "0.5")
    nb = nbformat.read(ROOT / "examples" / "notebook_quickstart.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    t = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t
    assert elapsed < 60, f"notebook took {elapsed:.0f} s"
    runs = pt.Api(store).runs("digits")
    assert sorted(r.name for r in runs) == ["sgd-lr-0.01", "sgd-lr-0.1"]
    assert all(r.state == "finished" and r.summary["best_val_acc"] > 0.8 for r in runs)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    mimes = [set(o.get("data", {})) for o in outputs]
    assert sum("application/vnd.jupyter.widget-view+json" in m for m in mimes) >= 5
    # the static snapshots reached the notebook (for nbconvert / reopening without a kernel)
    snapshots = [o for o in outputs if "py-tracker-snapshot" in o.get("data", {}).get("text/html", "")]
    assert len(snapshots) >= 3
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # exported without a kernel (nbconvert, no widget state): the static snapshots carry the charts
    from nbconvert import HTMLExporter
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert html.count("py-tracker-snapshot") >= 3 and "<polyline" in html
