"""W&B's run identity: entity, path, dir (a str), url, _label; reinit="create_new"; WANDB_* variables."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

import py_tracker as wandb


def test_entity_path_dir_and_label_as_wandb(store):
    run = wandb.init(project="p", entity="team")
    assert run.entity == "team"
    assert run.path == f"team/p/{run.id}"
    assert isinstance(run.dir, str) and os.path.isdir(run.dir)
    assert (run.dir / "x.txt").parent == __import__("pathlib").Path(run.dir)  # still joins like a Path
    assert run._label(repo="transformers") is None
    wandb.log({"a": 1})
    wandb.finish()
    api_run = wandb.Api().run(run.path)  # W&B's "entity/project/id" reads back
    assert (api_run.entity, api_run.path, api_run.summary["a"]) == ("team", run.path, 1)
    other = wandb.init(project="p")
    assert other.entity == "local" and other.path == f"local/p/{other.id}"


def test_url_is_the_folder_path_without_a_server(store, monkeypatch, tmp_path):
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    run = wandb.init(project="p")
    assert run.url == str((store / "runs" / run.id).resolve())
    assert wandb.Api().run(run.id).url == run.url


@pytest.mark.parametrize("serves_store", [True, False], ids=["server-serves-the-store", "server-serves-another"])
def test_url_opens_the_run_view_in_a_live_jupyter_server(store, monkeypatch, tmp_path, serves_store):
    """A server whose py_tracker extension serves the run's store: run.url is its run view
    (/lab?py-tracker-run=<id>&token=...); one serving another store: the folder in its file browser."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(runtime))
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    other = [] if serves_store else [f"--PyTracker.root_dir={tmp_path / 'other-store'}"]
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={tmp_path}",
                             "--IdentityProvider.token=tok", *other],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not list(runtime.glob("jpserver-*.json")) and time.time() < deadline:
            time.sleep(0.2)
        info = json.loads(next(runtime.glob("jpserver-*.json")).read_text())
        run = wandb.init(project="p")
        base = info["url"].rstrip("/")
        if serves_store:
            assert run.url == f"{base}/lab?py-tracker-run={run.id}&token=tok"
        else:
            assert run.url == f"{base}/lab/tree/store/runs/{run.id}?token=tok"
        assert wandb.Api().run(run.id).url == run.url
        import urllib.request
        with urllib.request.urlopen(run.url, timeout=30) as resp:  # the server really answers it
            assert resp.status == 200
    finally:
        proc.terminate()
        proc.wait(30)


def test_reinit_create_new_leaves_the_earlier_run_active(store):
    first = wandb.init(project="p")
    second = wandb.init(project="p", reinit="create_new")
    assert wandb.run is first and not first.finished and not second.finished
    wandb.log({"x": 1})  # goes to the global run, as W&B
    second.log({"y": 2})
    second.finish()
    first.finish()
    api = wandb.Api()
    assert api.run(first.id).summary == {"x": 1}
    assert api.run(second.id).summary == {"y": 2}


def test_wandb_environment_variables_fill_init(store, monkeypatch, tmp_path):
    defaults = tmp_path / "defaults.yaml"
    defaults.write_text("lr:\n  value: 0.1\nepochs: 3\n")
    for k, v in {"WANDB_PROJECT": "envp", "WANDB_ENTITY": "me", "WANDB_NAME": "nice", "WANDB_NOTES": "n",
                 "WANDB_TAGS": "a, b", "WANDB_RUN_GROUP": "g", "WANDB_JOB_TYPE": "train",
                 "WANDB_RUN_ID": "envid001", "WANDB_CONFIG_PATHS": str(defaults)}.items():
        monkeypatch.setenv(k, v)
    run = wandb.init(config={"epochs": 5})
    assert (run.project, run.entity, run.name, run.notes, run.tags, run.group, run.job_type, run.id) == \
        ("envp", "me", "nice", "n", ("a", "b"), "g", "train", "envid001")
    assert dict(run.config) == {"lr": 0.1, "epochs": 5}  # init(config=) wins over WANDB_CONFIG_PATHS
    run.finish()
    monkeypatch.setenv("WANDB_RESUME", "allow")
    again = wandb.init(name="explicit")  # explicit arguments win over the environment
    assert again.id == "envid001" and again.resumed and again.name == "explicit"
    again.finish()


def test_wandb_dir_disabled_and_console(store, monkeypatch, tmp_path):
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("WANDB_CONSOLE", "off")
    run = wandb.init(project="p")
    assert run.root == tmp_path / "elsewhere" and run.settings.capture_output is False
    run.finish()
    monkeypatch.setenv("WANDB_DISABLED", "true")
    off = wandb.init(project="p")
    assert type(off).__name__ == "DisabledRun"
    off.finish()


def test_disabled_mode_accepts_the_new_calls(store, tmp_path):
    run = wandb.init(mode="disabled")
    wandb.log()
    wandb.alert("t", "x")
    run._label(repo="x")
    assert run.log_model(tmp_path) is None and run.log_code() is None and run.logged_artifacts() == []
    assert run.entity == "local"
    wandb.finish()
    assert not (store / "catalog.json").exists() or wandb.Api().runs() == []


@pytest.mark.parametrize("var, fn, cases", [
    ("WANDB_LOG_MODEL", "wandb_log_model", {"": False, "false": False, "true": "end", "END": "end",
                                            "checkpoint": "checkpoint"}),
    ("WANDB_WATCH", "wandb_watch", {"": False, "false": False, "true": "gradients", "all": "all",
                                    "parameters": "parameters", "gradients": "gradients"}),
])
def test_integration_variables_have_wandbs_meaning(monkeypatch, var, fn, cases):
    from py_tracker import settings
    from py_tracker.errors import UsageError
    for raw, want in cases.items():
        monkeypatch.setenv(var, raw)
        assert getattr(settings, fn)() == want, raw
    monkeypatch.setenv(var, "sometimes")
    with pytest.raises(UsageError, match=f"{var}='sometimes'"):
        getattr(settings, fn)()
