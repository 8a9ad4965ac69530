"""History write path under real faults: a full disk, a refused catalog write, values JSON
cannot hold, a stalled holder of the catalog lock, a damaged chunk. Nothing logged is lost
and nothing is reported as saved that is not on disk."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import py_tracker as wandb
from py_tracker.errors import StorageError
from py_tracker.storage.doctor import doctor
from py_tracker.storage.history import damaged_chunks, read_columns

from .conftest import REPO, py_proc


def _history(root, run_id):
    return read_columns(root / "runs" / run_id / "history.jsonl")


def test_full_disk_keeps_every_row_queued_and_writes_them_when_space_is_back(small_disk):
    root = small_disk.path / "store"
    run = wandb.init(dir=root, project="full", id="fullrun")
    for i in range(300):
        wandb.log({"x": i, "pad": "y" * 40})
    run.flush()
    small_disk.fill()
    with pytest.warns(RuntimeWarning, match="could not write run local/full/fullrun"):
        for i in range(300, 2609):
            wandb.log({"x": i, "pad": "y" * 40})
            if i % 200 == 0:
                time.sleep(0.1)          # let the flusher hit the full disk, several times
        deadline = time.monotonic() + 20
        while run._error is None and time.monotonic() < deadline:
            time.sleep(0.05)             # (a loaded machine may run the flusher late)
        wandb.log({"x": 2609, "pad": "y" * 40})
    with pytest.raises(StorageError):
        run.finish()                     # the rows are not on disk: no success, no "finished"
    assert run.state == "running" and not run.finished
    assert wandb.Api(root).run("fullrun").state != "finished"
    wandb.log({"x": 2610, "pad": ""})    # the run goes on
    small_disk.free()
    run.finish()
    assert run.state == "finished"
    n, cols = _history(root, "fullrun")
    assert n == 2611 and list(cols["x"]) == list(range(2611))
    hist = (root / "runs" / "fullrun" / "history.jsonl").read_bytes()
    assert b"\0" not in hist and damaged_chunks(root / "runs" / "fullrun" / "history.jsonl") == []
    assert wandb.Api(root).run("fullrun").state == "finished"


def test_failed_finish_keeps_the_flusher_running(small_disk):
    root = small_disk.path / "store"
    run = wandb.init(dir=root, project="full", id="finfail")
    for i in range(10):
        wandb.log({"x": i})
    run.flush()
    small_disk.fill()
    with pytest.raises(StorageError, match="could not record the end"):
        run.finish()                     # history is on disk, the catalog write is refused
    assert run.state == "running"
    small_disk.free()
    for i in range(10, 110):
        wandb.log({"x": i})
    deadline = time.monotonic() + 5
    while _history(root, "finfail")[0] < 110 and time.monotonic() < deadline:
        time.sleep(0.1)                  # no flush() or finish() here: the background writes them
    n, cols = _history(root, "finfail")
    assert n == 110 and list(cols["x"]) == list(range(110))
    run.finish()
    assert wandb.Api(root).run("finfail").state == "finished"


def test_a_lone_surrogate_costs_no_row_and_is_named(store):
    run = wandb.init(project="odd", id="surr")
    with pytest.warns(UserWarning, match="'name' holds a lone surrogate"):
        for i in range(300):
            wandb.log({"x": i, "name": "bad\ud800" if i == 150 else f"ok{i}"})
        run.finish()
    n, cols = _history(store, "surr")
    assert n == 300 and list(cols["x"]) == list(range(300))
    assert cols["name"][150] == "bad\ufffd" and cols["name"][149] == "ok149"
    assert wandb.Api().run("surr").state == "finished"


def test_an_int_beyond_64_bits_is_stored_as_float_and_named(store):
    run = wandb.init(project="odd", id="bigint")
    with pytest.warns(UserWarning, match="'x' is an int beyond 64 bits"):
        for i in range(100):
            wandb.log({"x": 2**70 if i == 50 else i, "y": i})
        run.finish()
    n, cols = _history(store, "bigint")
    assert n == 100 and list(cols["y"]) == list(range(100))
    assert cols["x"][50] == float(2**70) and cols["x"][49] == 49
    rec = wandb.Api().run("bigint")
    assert rec.state == "finished"        # the catalog write did not fail on the summary
    run2 = wandb.init(project="odd", id="bigint2")
    with pytest.warns(UserWarning, match="'last' is an int beyond 64 bits"):
        wandb.log({"last": 2**70})
        run2.finish()
    assert wandb.Api().run("bigint2").summary["last"] == float(2**70)


def test_check_storable_names_the_key():
    from py_tracker.core.values import check_storable
    check_storable({"seed": 2**64 - 1, "name": "é"}, "")
    with pytest.raises(TypeError, match="'opt.seed' is an int beyond 64 bits"):
        check_storable({"opt": {"seed": 2**64}}, "")
    with pytest.raises(TypeError, match=r"'tags\[1\]' is a string holding a lone surrogate"):
        check_storable(["a", "\udcff"], "tags")


def test_a_stalled_holder_of_the_catalog_lock_does_not_stop_history(store):
    writer = py_proc("""
        import sys, time, py_tracker as pt
        run = pt.init(project="stall", id="flowing")
        print("ready", flush=True)
        sys.stdin.readline()
        for i in range(3000):
            pt.log({"i": i})
            run.summary["last"] = i      # the catalog has something to save all along
            if i % 100 == 99:
                time.sleep(0.1)
        print("logged", flush=True)
        time.sleep(600)
        """, store)
    holder = None
    try:
        assert writer.stdout.readline().strip() == "ready"
        holder = py_proc("""
            import time
            from py_tracker.storage.catalog import Catalog
            with Catalog(sys_root := __import__("os").environ["PY_TRACKER_DIR"]).transaction():
                print("locked", flush=True)
                time.sleep(600)
            """, store)
        assert holder.stdout.readline().strip() == "locked"
        holder.send_signal(signal.SIGSTOP)   # stalls while holding the lock
        writer.stdin.write("go\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "logged"
        time.sleep(2.5)                      # ten flush intervals, far less than the lock's 30 s
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        for p in (writer, holder):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait(10)
    n, cols = _history(store, "flowing")
    assert n == 3000 and list(cols["i"]) == list(range(3000))


def _garble_chunk(path, index: int) -> None:
    lines = path.read_bytes().split(b"\n")
    line = lines[index]
    at = line.index(b'"b":"') + 12
    swap = b"B" if line[at:at + 1] != b"B" else b"C"
    lines[index] = line[:at] + swap + line[at + 1:]   # still valid JSON and valid base64
    path.write_bytes(b"\n".join(lines))


def test_a_damaged_chunk_costs_that_chunk_only_and_doctor_check_reports_it(store, caplog):
    run = wandb.init(project="dmg", id="dmgrun")
    for part in range(3):
        for i in range(100):
            wandb.log({"x": part * 100 + i, "y": float(i)})
        run.flush()
    run.finish()
    hist = store / "runs" / "dmgrun" / "history.jsonl"
    assert doctor(store, repair=False).problems == 0
    _garble_chunk(hist, 1)
    n, cols = read_columns(hist)
    assert n == 200 and list(cols["x"]) == list(range(100)) + list(range(200, 300))
    assert "damaged line 2" in caplog.text
    df = wandb.Api().run("dmgrun").history()
    assert len(df) == 200
    rep = doctor(store, repair=False)
    assert rep.problems == 1 and any("dmgrun: history.jsonl line 2 is a damaged chunk (checksum mismatch)" in line
                                     for line in rep.lines)
    cli = subprocess.run([sys.executable, "-m", "py_tracker.cli", "--dir", str(store), "doctor", "--check"],
                         check=False, capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert cli.returncode == 1 and "damaged chunk" in cli.stdout


def test_chunks_from_before_checksums_still_read_and_damage_in_them_is_found(store):
    run = wandb.init(project="old", id="oldrun")
    for part in range(3):
        for i in range(50):
            wandb.log({"x": part * 50 + i})
        run.flush()
    run.finish()
    hist = store / "runs" / "oldrun" / "history.jsonl"
    # as today's code writes them: the same line without the checksum member
    old = [line[:-len(b',"k":"00000000"}')] + b"}" if line else line for line in hist.read_bytes().split(b"\n")]
    hist.write_bytes(b"\n".join(old))
    n, cols = read_columns(hist)
    assert n == 150 and list(cols["x"]) == list(range(150))
    assert doctor(store, repair=False).problems == 0
    lines = hist.read_bytes().split(b"\n")
    at = lines[2].index(b'"b":"') + 10
    lines[2] = lines[2][:at] + b"!" + lines[2][at + 1:]   # not base64 any more
    hist.write_bytes(b"\n".join(lines))
    with warnings.catch_warnings():
        n, cols = read_columns(hist)
    assert n == 100 and list(cols["x"]) == list(range(100))
    assert np.all(np.diff(cols["x"]) == 1)
    assert [ln for ln, _ in damaged_chunks(hist)] == [3]


def test_many_odd_values_under_one_key_warn_once(store):
    run = wandb.init(project="odd", id="manyodd")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for i in range(2000):
            wandb.log({"x": 2**70 + i})
            if i % 500 == 0:
                run.flush()
        run.finish()
    mine = [w for w in seen if "'x' is an int beyond 64 bits" in str(w.message)]
    assert len(mine) == 1
    assert _history(store, "manyodd")[0] == 2000
