"""Imported runs say where they came from wherever a run is shown in Python: the HTML report's
runs table and the notebook run panel's header (the sidebar's rows and run view are checked in
a real browser by tests/e2e/test_sidebar_imported.py). TensorBoard logs from torch's
SummaryWriter, copied under a folder whose name holds markup, which must stay text."""
from __future__ import annotations

import html
import shutil

import pytest

import py_tracker as pt
from py_tracker.api import Api
from py_tracker.formats import imported_text
from py_tracker.importers import import_runs

QUIET = {"display": False, "monitor_interval": None, "capture_output": False, "save_code": False}


@pytest.fixture
def imported(tb_dir, tmp_path, root):
    src = tmp_path / "x<i>y" / "logs"
    shutil.copytree(tb_dir / "logs", src)
    runs = import_runs("tensorboard", src, dir=root, quiet=True)
    assert len(runs) == 3
    live = pt.init(project="logs", name="recorded-here", dir=root, settings=QUIET)
    live.log({"loss": 1.0})
    live.finish()
    return {r.name: r.to_dict() for r in Api(root).runs()}, src.resolve()


def test_imported_text():
    assert imported_text({"source": "wandb", "id": "offline-run-1", "path": "/w/offline-run-1"}) == \
        "imported from wandb: /w/offline-run-1"
    assert imported_text({"source": "mlflow", "id": "abc", "path": None}) == "imported from mlflow: abc"
    assert imported_text({"source": "tensorboard", "path": "/l", "problems": ["torn record"]}) == \
        "imported from tensorboard: /l (1 part unreadable)"
    assert imported_text({"source": "wandb", "path": "/p", "problem_count": 2}) == \
        "imported from wandb: /p (2 parts unreadable)"
    assert imported_text(None) == imported_text({}) == imported_text("x") == ""


def test_report_runs_table_marks_imported_runs(imported, root, tmp_path):
    from py_tracker.reporting import report
    recs, src = imported
    page = report("logs", root=root, path=tmp_path / "r.html").read_text(encoding="utf-8")
    for name in ("train", "eval", "eval/hp"):
        line = f"imported from tensorboard: {src / name}"
        assert f'<div class="imported">{html.escape(line)}</div>' in page, name
    assert "<i>" not in page.split('id="runs"')[1].split("</table>")[0]  # the path's markup is text
    assert page.count('<div class="imported">') == 3  # not on the run recorded here


def test_run_panel_header_marks_imported_runs(imported, root):
    from py_tracker.notebook.live.panel import RunPanel
    recs, src = imported
    panel = RunPanel(Api(root).run(recs["train"]["id"]))
    want = html.escape(f"imported from tensorboard: {src / 'train'}")
    assert f">{want}</div>" in panel.alerts.value and "<i>" not in panel.alerts.value
    assert "imported from" not in RunPanel(Api(root).run(recs["recorded-here"]["id"])).alerts.value
