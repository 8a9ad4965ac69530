"""Crashes, damaged files, full disks and concurrent writers: nothing recorded is lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import py_tracker as wandb
from py_tracker.storage.catalog import Catalog, reload_state
from py_tracker.storage.doctor import doctor

REPO = Path(__file__).resolve().parents[2]


def _py(code: str, root: Path, **kw) -> subprocess.Popen:
    env = dict(os.environ, PY_TRACKER_DIR=str(root), PYTHONPATH=str(REPO), PY_TRACKER_MONITOR_INTERVAL="0")
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_kill_9_keeps_rows_older_than_a_second_and_shows_crashed(store):
    p = _py("""
        import time, py_tracker as pt
        run = pt.init(project="crash", id="crashrun")
        for i in range(200):
            pt.log({"i": i})
        print("logged", flush=True)
        while True:
            time.sleep(0.05)
        """, store)
    assert p.stdout.readline().strip() == "logged"
    time.sleep(1.0)
    p.send_signal(signal.SIGKILL)
    p.wait(10)
    r = wandb.Api().run("crash/crashrun")
    assert r.state == "crashed"
    assert list(r.history()["i"]) == list(range(200))
    rep = doctor(store)
    assert any("marked run crashrun crashed" in line for line in rep.lines)
    assert wandb.Api().run("crashrun")._record["state"] == "crashed"
    assert wandb.Api().run("crashrun").last_step == 199
    # and it can be resumed: steps continue
    run = wandb.init(id="crashrun", project="crash", resume="allow")
    assert run.step == 200


def test_four_processes_write_one_store_concurrently(store):
    n = 20000
    code = f"""
        import sys, py_tracker as pt
        run = pt.init(project="multi", config={{"proc": int(sys.argv[1])}})
        for i in range({n}):
            pt.log({{"loss": 1.0 / (i + 1), "acc": i}})
        pt.summary["done"] = True
        pt.finish()
        """
    env = dict(os.environ, PY_TRACKER_DIR=str(store), PYTHONPATH=str(REPO), PY_TRACKER_MONITOR_INTERVAL="0")
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(k)], env=env) for k in range(4)]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    runs = wandb.Api().runs("multi")
    assert sorted(r.config["proc"] for r in runs) == [0, 1, 2, 3]
    for r in runs:
        df = r.history()
        assert r.state == "finished" and r.summary["done"] is True
        assert len(df) == n and list(df["acc"]) == list(range(n))


def test_damaged_catalog_falls_back_to_last_good_copy_and_doctor_repairs(store, caplog):
    a = wandb.init(project="cat")
    a.finish()
    b = wandb.init(project="cat")
    b.finish()
    Catalog(store).compact()                            # a snapshot and its previous copy
    Catalog(store).compact()
    cat = store / "catalog.json"
    cat.write_bytes(cat.read_bytes()[: len(cat.read_bytes()) // 2])  # truncated mid-write
    reload_state(store)                                 # as a fresh process would read it
    runs = wandb.Api().runs("cat")                      # reads the backup, warns
    assert a.id in [r.id for r in runs]
    assert "damaged" in caplog.text
    rep = doctor(store)
    assert rep.problems >= 1
    assert any("restored" in line for line in rep.lines)
    assert list(store.glob("catalog.json.damaged-*"))   # kept, never deleted
    ids = {r.id for r in wandb.Api().runs("cat")}
    assert {a.id, b.id} <= ids                          # b re-registered from its folder if needed
    c = wandb.init(project="cat")                       # the store is writable again
    c.finish()
    assert doctor(store, repair=False).problems == 0


def test_history_cut_mid_line_is_read_and_appended_after(store):
    run = wandb.init(project="torn", id="tornrun1")
    for i in range(10):
        wandb.log({"i": i})
    run.finish()
    hist = store / "runs" / "tornrun1" / "history.jsonl"
    with open(hist, "ab") as f:
        f.write(b'{"n": 3, "c": {"i": [10, 1')            # a crash mid-write
    assert list(wandb.Api().run("tornrun1").history()["i"]) == list(range(10))
    run = wandb.init(id="tornrun1", project="torn", resume="allow")
    wandb.log({"i": 10})
    run.finish()
    assert list(wandb.Api().run("tornrun1").history()["i"]) == list(range(11))
