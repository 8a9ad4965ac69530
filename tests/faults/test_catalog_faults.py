"""Catalog damage and races, with real files and real processes (issue 12, part B).

Each test damages the store the way a crash, a full disk or a bad value does, then
checks that nothing recorded is lost and that the user gets a clear message.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import orjson
import pytest

import py_tracker as wandb
from py_tracker.errors import StorageError
from py_tracker.storage.catalog import Catalog, reload_state
from py_tracker.storage.doctor import doctor

REPO = Path(__file__).resolve().parents[2]


def _py(store: Path, code: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, PY_TRACKER_DIR=str(store), PYTHONPATH=str(REPO), PY_TRACKER_MONITOR_INTERVAL="0",
               PY_TRACKER_DISPLAY="0")
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                         capture_output=True, text=True, timeout=120)
    if check and out.returncode != 0:
        raise AssertionError(f"child failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return out


LIST = """
import sys, py_tracker as wandb
print(" ".join(sorted(r.id for r in wandb.Api().runs())))
"""


def _listed(store: Path) -> set[str]:
    """The run ids a fresh process reads from the store."""
    return set(_py(store, LIST).stdout.split())


def _runs(n: int, project: str = "p") -> list[str]:
    ids = []
    for i in range(n):
        r = wandb.init(project=project, config={"i": i}, group="g", job_type="train", tags=["t"])
        wandb.log({"loss": 1.0 / (i + 1)})
        r.finish()
        ids.append(r.id)
    return ids


def _snapshot_and_backup(store: Path) -> None:
    Catalog(store).compact()
    Catalog(store).compact()
    assert (store / "catalog.json").exists() and (store / "catalog.json.bak").exists()


# --- values the catalog cannot store -------------------------------------------------
def test_an_int_beyond_64_bits_in_config_is_a_clear_error_naming_the_key(store):
    with pytest.raises(TypeError, match=r"'seed'.*wider than 64 bits"):
        wandb.init(project="big", config={"seed": 2**64})
    run = wandb.init(project="big", config={"seed": 2**64 - 1})      # the widest that fits is kept
    with pytest.raises(TypeError, match=r"'opt.seed'.*wider than 64 bits"):
        run.config.update({"opt": {"seed": -2**70}})
    # a logged value that wide is kept as a float, with a warning (tests/faults/test_write_path.py)
    wandb.log({"ok": 2})
    run.finish()
    rec = wandb.Api().run(f"big/{run.id}")
    assert rec.state == "finished" and rec.config["seed"] == 2**64 - 1 and rec.summary["ok"] == 2
    assert "opt" not in rec.config


# --- two processes starting the same id ---------------------------------------------
SAME_ID = """
import sys, time, py_tracker as wandb
from py_tracker.errors import UsageError
t0, resume, ids = float(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
runs, won = [], []
for k, run_id in enumerate(ids):
    while time.time() < t0 + 0.4 * k:
        pass                                     # both processes leave this loop together
    try:
        runs.append(wandb.init(project="race", id=run_id, resume=resume, reinit="create_new"))
        won.append(run_id)
    except UsageError:
        pass
time.sleep(0.5)                                  # the other process is done trying
for r in runs:
    r.finish()
print(" ".join(won))
"""


@pytest.mark.parametrize("resume", ["never", "allow"])
def test_two_processes_init_the_same_id_at_once_only_one_gets_it(store, resume):
    ids = [f"race{resume[0]}{k:02d}" for k in range(8)]
    if resume == "allow":                        # continuing finished runs: both try to resume them
        for run_id in ids:
            wandb.init(project="race", id=run_id).finish()
    env = dict(os.environ, PY_TRACKER_DIR=str(store), PYTHONPATH=str(REPO), PY_TRACKER_MONITOR_INTERVAL="0",
               PY_TRACKER_DISPLAY="0")
    t0 = time.time() + 3.0                       # both have imported py_tracker by then
    procs = [subprocess.Popen([sys.executable, "-c", SAME_ID, str(t0), resume, ",".join(ids)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    won = [out.split() for out, _ in outs]
    for run_id in ids:
        assert sum(run_id in w for w in won) == 1, (run_id, won)   # exactly one process got each id


# --- a damaged snapshot ----------------------------------------------------------------
def test_an_empty_catalog_file_is_damage_and_the_next_write_keeps_the_good_backup(store, caplog):
    ids = _runs(3)
    _snapshot_and_backup(store)
    bak = (store / "catalog.json.bak").read_bytes()
    (store / "catalog.json").write_bytes(b"")                 # e.g. a crash right after creating it
    assert set(ids) <= _listed(store)                         # a fresh reader: nothing went missing
    new = _py(store, "import py_tracker as w; r = w.init(project='p'); r.finish(); print(r.id)").stdout.strip()
    assert (store / "catalog.json.bak").read_bytes() == bak   # the good copy was not overwritten
    assert set(ids) | {new} <= _listed(store)
    kept = list(store.glob("catalog.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == b""     # the damaged file is kept for a look
    assert orjson.loads((store / "catalog.json").read_bytes())["runs"]  # and a good snapshot replaces it


@pytest.mark.parametrize("shape", [b"[]", b'{"runs": []}', b'{"runs": {"1": "x"}}', b'{"runs": {"1": {"x": 1}}}',
                                   b'{"_journal": 3, "runs": {}}'])
def test_valid_json_of_the_wrong_shape_is_damage_not_a_crash(store, shape):
    ids = _runs(2)
    _snapshot_and_backup(store)
    (store / "catalog.json").write_bytes(shape)
    reload_state(store)
    assert {r.id for r in wandb.Api().runs()} >= set(ids)     # read from the last good copy
    (store / "catalog.json.bak").write_bytes(shape)
    reload_state(store)
    with pytest.raises(StorageError, match="both damaged.*doctor"):
        wandb.Api().runs()


def test_a_second_damage_does_not_overwrite_the_first_damaged_copy(store):
    _runs(2)
    _snapshot_and_backup(store)
    cat = store / "catalog.json"
    cat.write_bytes(b"{first damage")
    doctor(store)
    cat.write_bytes(b"{second damage")
    doctor(store)
    kept = sorted(p.read_bytes() for p in store.glob("catalog.json.damaged-*"))
    assert kept == [b"{first damage", b"{second damage"]


FIELDS = ("project", "name", "group", "job_type", "tags", "config", "summary", "state",
          "created_at", "finished_at", "runtime", "last_step")


def test_doctor_rebuilds_the_catalog_from_the_run_folders_when_both_copies_are_damaged(store):
    ids = _runs(3, project="keep")
    running = _py(store, """
        import os, py_tracker as w
        r = w.init(project="keep", name="crashed-one", config={"lr": 0.5})
        w.log({"loss": 0.25}); r.flush(); r._save_meta()
        print(r.id, flush=True)
        os._exit(0)                                  # dies without finishing
        """).stdout.strip()
    before = {r.id: {f: r._record.get(f) for f in FIELDS} for r in wandb.Api().runs("keep")}
    _snapshot_and_backup(store)
    (store / "catalog.json").write_bytes(b"\x00" * 100)
    (store / "catalog.json.bak").write_bytes(b'{"runs": ')
    for seg in store.glob("catalog.journal.*"):
        seg.unlink()                                 # and the journal is gone too: only run folders remain
    check = _py(store, "from py_tracker.cli import main; raise SystemExit(main(['doctor', '--check']))",
                check=False)
    assert check.returncode == 1 and "Traceback" not in check.stderr and "rebuilds" in check.stdout, check
    cli = _py(store, "from py_tracker.cli import main; raise SystemExit(main(['doctor']))", check=False)
    assert cli.returncode == 0 and "Traceback" not in cli.stderr, cli.stderr
    assert "rebuilt the catalog" in cli.stdout
    reload_state(store)
    after = {r.id: r for r in wandb.Api().runs("keep")}
    assert set(after) == set(ids) | {running}
    for run_id in ids:
        assert {f: after[run_id]._record.get(f) for f in FIELDS} == before[run_id]
    assert after[running].state == "crashed" and after[running].config["lr"] == 0.5
    assert after[running].summary["loss"] == 0.25
    assert wandb.Api().projects()[0]["name"] == "keep"
    r = wandb.init(project="keep")                  # the store is writable again
    r.finish()
    assert doctor(store, repair=False).problems == 0
