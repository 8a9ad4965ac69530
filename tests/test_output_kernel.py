"""Output capture in a real Jupyter kernel keeps working in the cells after the one that ran init()."""
from __future__ import annotations

import os
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def test_later_cells_output_reaches_output_log(store, monkeypatch):
    cells = [
        "import py_tracker as pt\nrun = pt.init(project='o', display=False, settings={'capture_output': True})\nprint('first cell')",
        "import sys\nprint('second cell')\nprint('to stderr', file=sys.stderr)",
        "for i in range(3):\n    print('third', i, end='\\r' if i < 2 else '\\n')",
        "import logging\nlogging.getLogger('train').warning('a warning record')",
        "run.finish()\nprint(repr(open(run.dir / 'output.log').read()))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_py = os.environ.get("PYTHONPATH", "")
    monkeypatch.setenv("PYTHONPATH", f"{REPO}{os.pathsep}{env_py}" if env_py else str(REPO))
    monkeypatch.setenv("PY_TRACKER_CAPTURE_OUTPUT", "1")
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    text = nb.cells[-1].outputs[0]["text"]
    for expected in ("first cell", "second cell", "to stderr", "third 2", "a warning record"):
        assert expected in text, text
    assert "third 0" not in text   # the progress line collapsed to its last state
