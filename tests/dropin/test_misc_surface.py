"""alert/AlertLevel, log() with no data, restore, log_code, require, term*, util, Error/errors,
and W&B's cloud-only names (a clear error naming what to use, never AttributeError)."""
from __future__ import annotations

import datetime
import json
import time
import subprocess
import sys

import pytest

import py_tracker as wandb
from py_tracker.errors import UnsupportedError, UsageError
from py_tracker.notebook.live.panel import RunPanel

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def test_alert_is_recorded_shown_and_rate_limited(store):
    run = wandb.init(project="a", settings=QUIET)
    wandb.alert(title="Loss <high>", text="loss 3.2 > 2", level=wandb.AlertLevel.WARN)
    wandb.alert(title="Loss <high>", text="again", level=wandb.AlertLevel.WARN)  # within wait_duration: dropped
    wandb.alert(title="Done", text="ok", level="error", wait_duration=datetime.timedelta(milliseconds=1))
    run.alert("Done", "dropped: 0 means W&B's default minute", wait_duration=0)
    time.sleep(0.01)
    run.alert("Done", "twice is fine after the wait", wait_duration=0.001)
    with pytest.raises(UsageError, match="AlertLevel.INFO"):
        wandb.alert("x", "y", level="LOUD")
    wandb.finish()
    api_run = wandb.Api().run(run.id)
    assert [(a["title"], a["level"]) for a in api_run.alerts] == [("Loss <high>", "WARN"), ("Done", "ERROR"),
                                                                 ("Done", "INFO")]
    panel = RunPanel(api_run)
    shown = panel.alerts.value
    assert "Loss &lt;high&gt;" in shown and "<high>" not in shown and "WARN" in shown and "twice is fine" in shown
    assert "dropped" not in shown


def test_log_without_arguments_commits_the_pending_row(store):
    run = wandb.init(project="a", settings=QUIET)
    wandb.log({"a": 1}, commit=False)
    wandb.log({"b": 2}, commit=False)
    wandb.log()
    wandb.log({"a": 3})
    wandb.finish()
    rows = list(wandb.Api().run(run.id).scan_history())
    assert [(r.get("a"), r.get("b"), r["_step"]) for r in rows] == [(1, 2, 0), (3, None, 1)]


def test_restore_a_saved_file_into_a_new_run(store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = wandb.init(project="a", settings=QUIET)
    (tmp_path / "model.ckpt").write_text("weights")
    wandb.save(str(tmp_path / "model.ckpt"), base_path=str(tmp_path), policy="now")
    wandb.finish()
    second = wandb.init(project="a", settings=QUIET)
    f = wandb.restore("model.ckpt", run_path=first.path)
    assert f.read() == "weights" and f.name.startswith(second.dir)
    f.close()
    assert wandb.restore("missing.txt", run_path=first.path) is None
    wandb.finish()


def test_log_code_logs_source_files(store, tmp_path):
    (tmp_path / "train.py").write_text("print(1)")
    (tmp_path / "requirements.txt").write_text("torch")
    (tmp_path / "notes.md").write_text("no")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.py").write_text("skip")
    run = wandb.init(project="a", settings=QUIET)
    art = run.log_code(str(tmp_path))
    assert art.type == "code" and art.base_name.startswith("source-a-")
    assert sorted(f.name for f in art.files()) == ["requirements.txt", "train.py"]
    only_md = run.log_code(str(tmp_path), name="docs", include_fn=lambda p: p.endswith(".md"))
    assert [f.name for f in only_md.files()] == ["notes.md"]
    assert run.log_code(str(tmp_path / ".git"), include_fn=lambda p, r: False) is None
    wandb.finish()


def test_require_term_util_and_errors(store, capsys, monkeypatch):
    assert wandb.require("core") is None and wandb.require(["service"]) is None
    with pytest.raises(wandb.errors.UnsupportedError, match="unsupported requirement: teleport"):
        wandb.require("teleport")
    wandb.termlog("hello\nworld")
    wandb.termwarn("careful")
    wandb.termerror("broken")
    wandb.termlog("once", repeat=False)
    wandb.termlog("once", repeat=False)
    err = capsys.readouterr().err
    assert err.splitlines() == ["py_tracker: hello", "py_tracker: world", "py_tracker: WARNING careful",
                                "py_tracker: ERROR broken", "py_tracker: once"]
    monkeypatch.setenv("WANDB_SILENT", "true")
    wandb.termlog("quiet")
    assert capsys.readouterr().err == ""
    rid = wandb.util.generate_id()
    assert len(rid) == 8 and rid.isalnum()
    assert wandb.util.get_module("json") is json and wandb.util.get_module("no_such_mod_x") is None
    with pytest.raises(ImportError, match="install it"):
        wandb.util.get_module("no_such_mod_x", required="install it")
    assert wandb.util.make_artifact_name_safe("a b/c") == "a_b_c"
    assert issubclass(wandb.errors.UsageError, wandb.Error) and issubclass(wandb.errors.CommError, wandb.Error)
    with pytest.raises(wandb.Error):
        wandb.init(project="bad/name", settings=QUIET)


def test_cloud_only_names_raise_a_clear_error(store):
    for name in ("launch", "launch_add", "reports", "apis", "teams", "sync"):
        stand_in = getattr(wandb, name)  # no AttributeError: libraries probing with getattr keep working
        with pytest.raises(UnsupportedError, match=f"wandb.{name} needs W&B's cloud.*; "):
            stand_in()
    with pytest.raises(UnsupportedError, match="report"):
        wandb.reports.Report(project="p")
    api = wandb.Api()
    for call, hint in ((api.team, "PY_TRACKER_DIR"), (api.create_team, "teams"), (api.reports, "py_tracker.report"),
                       (api.user, "accounts"), (api.create_run_queue, "agent")):
        with pytest.raises(UnsupportedError, match=hint):
            call("x")
    assert api.default_entity == "local"
    with pytest.raises(AttributeError):
        wandb.no_such_thing_at_all
