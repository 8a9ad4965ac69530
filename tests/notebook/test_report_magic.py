"""`%track report` writes the HTML report (argument parsing, project vs runs, errors)."""
from __future__ import annotations

import pytest

import py_tracker as pt
from py_tracker.notebook.magic.commands import cmd_report


def test_report_magic_project_and_runs(store, tmp_path, capsys):
    ids = []
    for lr in (0.1, 0.01):
        run = pt.init(project="rep", config={"lr": lr}, settings={"display": False})
        for i in range(5):
            pt.log({"loss": lr * i})
        run.finish()
        ids.append(run.id)
    out = tmp_path / "r.html"
    path = cmd_report(["rep", "-o", str(out), "--title", "Week <1>"])
    html = out.read_text()
    assert str(path) == str(out)
    assert "Week &lt;1&gt;" in html and "Week <1>" not in html
    assert "Bokeh" in html
    out2 = tmp_path / "r2.html"
    cmd_report([*ids, "-o", str(out2)])
    assert out2.exists() and "report written" in capsys.readouterr().out
    with pytest.raises(Exception, match="what should the report show"):
        cmd_report([])
