"""%track / %%track through a real IPython InteractiveShell."""
from __future__ import annotations

import pytest
from IPython.core.error import UsageError

import py_tracker as pt
from py_tracker.core import session
from py_tracker.notebook.magic import magics


@pytest.fixture(scope="module")
def ip(ipython_shell):
    shell = ipython_shell
    shell.run_line_magic("load_ext", "py_tracker")
    shell.user_ns["pt_log"] = lambda d: pt.log(d)
    return shell


def _last_run(store, project="m"):
    runs = pt.Api(store).runs(project, order="-created_at")  # newest first
    assert runs, "no run recorded"
    return runs[0]


def test_track_cell_records_a_finished_run(ip, store):
    ip.user_ns["cfg"] = {"lr": 0.1}
    ip.run_cell_magic("track", "--project m --name first --group g --job-type train --config cfg --id trainer",
                      "for i in range(5):\n    pt_log({'loss': 1.0 / (i + 1)})\nresult = 42")
    r = _last_run(store)
    assert (r.name, r.group, r.job_type, r.state) == ("first", "g", "train", "finished")
    assert r.config == {"lr": 0.1} and ip.user_ns["result"] == 42
    assert r.history(pandas=False)[-1]["loss"] == pytest.approx(0.2)
    assert any(f.name.startswith("code/cell_") for f in r.files())
    assert "pt_log" in magics.TRAINING_CELLS["trainer"]
    assert session.active_run() is None


def test_track_cell_failure_and_stop(ip, store):
    with pytest.raises(ZeroDivisionError):
        ip.run_cell_magic("track", "--project m --name bad", "pt_log({'x': 1})\n1/0")
    r = _last_run(store)
    assert r.state == "failed" and "ZeroDivisionError" in (r.dir / "traceback.txt").read_text()
    ip.run_cell_magic("track", "--project m --name stopped",
                      "import py_tracker\npy_tracker.run.request_stop()\npt_log({'x': 1})\nafter = True")
    r = _last_run(store)
    assert r.state == "stopped" and "after" not in ip.user_ns


def test_track_cell_keyboard_interrupt_marks_failed(ip, store):
    with pytest.raises(KeyboardInterrupt):
        ip.run_cell_magic("track", "--project m --name intr", "raise KeyboardInterrupt")
    assert _last_run(store).state == "failed"


def test_bad_arguments_give_usage_errors(ip, store):
    with pytest.raises(UsageError, match="usage"):
        ip.run_cell_magic("track", "--bogus 1", "pass")
    with pytest.raises(UsageError, match="dict"):
        ip.run_cell_magic("track", "--config 3", "pass")
    with pytest.raises(UsageError, match="unknown sub-command 'nope'"):
        ip.run_line_magic("track", "nope")
    with pytest.raises(UsageError, match="at least two"):
        ip.run_line_magic("track", "compare onlyone")
    with pytest.raises(UsageError, match="no active run"):
        ip.run_line_magic("track", "stop")


def test_status_stop_runs_compare(ip, store, capsys):
    ip.run_cell_magic("track", "--project m --name a --config dict(lr=0.1)", "pt_log({'loss': 1.0})")
    ip.run_cell_magic("track", "--project m --name b --config dict(lr=0.2)", "pt_log({'loss': 0.5})")
    a, b = pt.Api(store).runs("m")[:2]
    run = pt.init(project="m", name="live", settings={"display": False, "monitor_interval": None})
    assert "active run: live" in magics.cmd_status([])
    assert "asked run live" in magics.cmd_stop([])
    assert run.stop_requested
    run.finish()
    table = magics.cmd_runs(["m", "--filter", "lr > 0.15"])
    assert [r["name"] for r in table.rows] == ["b"]
    panel = magics.cmd_compare([a.path, b.path])
    assert set(panel.figures) == {"loss"}


def test_help_lists_subcommands(ip):
    doc = ip.find_line_magic("track").__doc__
    assert "%track runs" in doc and "--job-type" in doc


def test_report_and_sweep_delegate_or_explain(ip):
    import importlib.util
    if importlib.util.find_spec("py_tracker.reporting") is None:
        with pytest.raises(UsageError, match="reports are not available"):
            ip.run_line_magic("track", "report x")
    if importlib.util.find_spec("py_tracker.notebook.sweep.control") is None:
        with pytest.raises(UsageError, match="sweep widget not available yet"):
            ip.run_line_magic("track", "sweep")


def test_show_a_stored_run_or_explain(ip, store):
    with pytest.raises(UsageError, match="no active run"):
        magics.cmd_show([])
    ip.run_cell_magic("track", "--project m --name shown", "pt_log({'loss': 1.0})")
    r = _last_run(store)
    panel = magics.cmd_show([r.path])
    assert panel.source.id == r.id and panel.charts.charts["loss"].n == 1
    with pytest.raises(UsageError, match="no run 'nope'"):
        magics.cmd_show(["m/nope"])


def test_config_expression_keeps_its_quotes_and_runs_table_stays_callable(ip, store):
    """`--config dict(optimizer="adam")` unquoted (shlex used to drop the inner quotes), and
    `pt.runs_table` is still the function after `%track runs` imported its module."""
    ip.run_cell_magic("track", '--project q --config dict(optimizer="adam", note="a -b") --name quoted',
                      "pt_log({'loss': 1.0})")
    r = _last_run(store, "q")
    assert r.name == "quoted" and r.config == {"optimizer": "adam", "note": "a -b"}
    ip.run_cell_magic("track", "--project q --name whole -c \"{'lr': 0.1}\"", "pt_log({'loss': 1.0})")
    assert {x.name: x.config for x in pt.Api(store).runs("q")}["whole"] == {"lr": 0.1}
    ip.run_line_magic("track", "runs q")
    import py_tracker
    py_tracker.__dict__.pop("runs_table", None)  # forget a value cached by an earlier test
    assert callable(pt.runs_table), type(pt.runs_table)


def test_a_stopped_plain_run_prints_one_line(ip, store, capfd):
    """Stop on a run made by init() (no %%track): one line, not a traceback through log()."""
    result = ip.run_cell("import py_tracker as pt\nrun = pt.init(project='st', name='plain')\nrun.request_stop()\n"
                         "for i in range(3):\n    run.log({'x': i})\n")
    out, err = capfd.readouterr()
    text = out + err
    assert "was asked to stop" in text and "Traceback" not in text, text
    assert len([ln for ln in text.splitlines() if ln.strip()]) == 1, text
    assert isinstance(result.error_in_exec, pt.RunStopped)
    assert _last_run(store, "st").state == "stopped"
