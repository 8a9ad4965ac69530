"""Training cells are an explicit registry handed to the sweep's cell trial (a real IPython
shell, a real sweep): the trial runs the newest source of its registry, a missing cell is a
clear error, and `%%track --id` registers into the kernel's registry."""
from __future__ import annotations

import pytest

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.notebook.magic import magics
from py_tracker.notebook.sweep.cell import CellTrial
from py_tracker.notebook.magic.training_cells import TRAINING_CELLS, TrainingCells


def test_a_cell_trial_runs_the_newest_source_of_the_registry_it_is_given(ip, store):
    cells = TrainingCells()
    with pytest.raises(UsageError, match=r"no training cell 'fit'.*%%track --id fit.*none yet"):
        CellTrial("fit", ip, cells)
    cells.register("fit", "pt.log({'score': pt.config.x * 10})")
    trial = CellTrial("fit", ip, cells)
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="cells")
    assert pt.agent(sid, function=trial, count=1) == 1
    cells.register("fit", "pt.log({'score': pt.config.x * 100})")  # the cell was edited and re-run
    assert pt.agent(sid, function=trial, count=1) == 1
    scores = sorted(r.summary["score"] for r in pt.Api().sweep(sid).runs)
    assert scores == [10, 200]
    assert "fit" not in TRAINING_CELLS  # a registry of its own: the kernel's is untouched


def test_track_id_registers_into_the_kernels_registry(ip, store):
    ip.run_cell_magic("track", "--project cells --id reg_me --no-display", "pt.log({'a': 1})")
    assert magics.TRAINING_CELLS is TRAINING_CELLS and "pt.log({'a': 1})" == TRAINING_CELLS.source("reg_me")
    assert "reg_me" in TRAINING_CELLS.names()
