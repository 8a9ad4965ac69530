"""`%wandb` through a real IPython shell: the active run, a stored run, a project, a sweep."""
from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import py_tracker as pt
from py_tracker.notebook.live.panel import RunPanel
from py_tracker.notebook.tables.runs_table import RunsTable
from py_tracker.notebook.magic.wandb_magic import wandb_line

from .conftest import QUIET


@pytest.fixture(scope="module")
def ip(ipython_shell):
    shell = ipython_shell
    shell.run_line_magic("load_ext", "py_tracker")
    return shell


def test_wandb_magic_shows_run_project_and_sweep(ip, store):
    assert "wandb" in ip.magics_manager.magics["line"]
    with pytest.raises(UsageError, match="no active run"):
        wandb_line("", ip)
    run = pt.init(project="mp", settings=QUIET)
    pt.log({"loss": 1.0})
    panel = wandb_line("-h 300", ip)
    assert isinstance(panel, RunPanel) and panel.source.id == run.id and panel.widget.layout.height == "300px"
    ip.run_line_magic("wandb", "")  # the registered magic runs too
    run.finish()
    stored = wandb_line(f"local/mp/runs/{run.id}", ip)
    assert isinstance(stored, RunPanel) and stored.source.id == run.id
    shown = pt.Api().run(run.id).display(height=250)  # ApiRun.display, as W&B's public Run
    assert isinstance(shown, RunPanel) and shown.widget.layout.height == "250px"
    with pytest.raises(pt.errors.UsageError, match="height in pixels"):
        pt.Api().run(run.id).display(height="tall")
    table = wandb_line("local/mp", ip)
    assert isinstance(table, RunsTable) and [r["id"] for r in table.rows] == [run.id]
    sid = pt.sweep({"method": "grid", "parameters": {"x": {"values": [1, 2]}}}, project="mp")

    def train():
        r = pt.init(settings=QUIET)
        pt.log({"y": pt.config.x})
        r.finish()
    pt.agent(sid, function=train, count=2)
    sweep_table = wandb_line(f"local/mp/sweeps/{sid}", ip)
    trial_ids = {r.id for r in pt.Api().sweep(f"mp/{sid}").runs}
    assert {r["id"] for r in sweep_table.rows} == trial_ids and run.id not in trial_ids
    with pytest.raises(UsageError, match="no run or project"):
        wandb_line("local/nowhere", ip)
