"""The catalog: atomic replacement, a last good copy, and a lock shared by processes."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest

from py_tracker.errors import StorageError
from py_tracker.storage import journal
from py_tracker.api import Api
from py_tracker.storage.catalog import Catalog, reload_state

REPO = Path(__file__).resolve().parents[2]


INSERT_MANY = """
import sys
from py_tracker.storage.catalog import Catalog
c = Catalog(sys.argv[1])
for i in range(int(sys.argv[3])):
    c.put("runs", {"id": f"w{sys.argv[2]}-{i}", "worker": int(sys.argv[2])})
"""


COUNT = """
import sys
from py_tracker.storage.catalog import Catalog
runs = Catalog(sys.argv[1], readonly=True).all("runs")
print(len(runs), max(r["id"] for r in runs if r["id"].startswith("r1")))
"""

PUT_ONE = """
import sys
from py_tracker.storage.catalog import Catalog
Catalog(sys.argv[1]).put("runs", {"id": sys.argv[2]})
"""


def test_put_get_patch_delete(tmp_path):
    c = Catalog(tmp_path)
    c.put("runs", {"id": "a", "x": 1})
    assert c.get("runs", "a") == {"id": "a", "x": 1}
    c.put("runs", {"id": "a", "x": 2})
    assert c.all("runs") == [{"id": "a", "x": 2}]
    assert c.patch("runs", "a", {"y": 3}) == {"id": "a", "x": 2, "y": 3}
    c.patch("runs", "a", lambda d: d.pop("x"))
    assert c.get("runs", "a") == {"id": "a", "y": 3}
    assert c.insert_new("projects", {"name": "p"}) and not c.insert_new("projects", {"name": "p"})
    assert c.delete("runs", "a") and c.get("runs", "a") is None
    with pytest.raises(ValueError, match="unknown catalog table"):
        c.get("nope", "a")


def test_a_change_appends_one_line_for_its_record(tmp_path):
    c = Catalog(tmp_path)
    for i in range(50):
        c.put("runs", {"id": f"r{i}", "blob": "x" * 1000})
    seg = tmp_path / "catalog.journal.0"
    before = seg.stat().st_size
    c.patch("runs", "r7", {"state": "finished"})
    grown = seg.stat().st_size - before
    assert 1000 < grown < 1200                          # one record, not the store (50 kB)
    last = orjson.loads(seg.read_bytes().splitlines()[-1])
    assert last["t"] == "runs" and last["d"]["id"] == "r7" and last["d"]["state"] == "finished"
    assert not (tmp_path / "catalog.json").exists()     # no snapshot until the journal is large


def test_compaction_writes_a_snapshot_keeps_a_backup_and_drops_old_segments(tmp_path, monkeypatch):
    monkeypatch.setattr(journal, "COMPACT_MIN_BYTES", 2000)
    c = Catalog(tmp_path)
    for i in range(200):
        c.put("runs", {"id": f"r{i}", "blob": "x" * 100})
    c.compact()
    data = orjson.loads((tmp_path / "catalog.json").read_bytes())
    assert data["_journal"]["segment"] >= 2 and len(data["runs"]) == 200
    assert (tmp_path / "catalog.json.bak").exists()
    assert len(journal.segments(tmp_path)) <= 3          # old segments are deleted
    fresh = subprocess.run([sys.executable, "-c", COUNT, str(tmp_path)], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(REPO)), check=True)
    assert fresh.stdout.split() == ["200", "r199"]      # another process: snapshot + tail
    assert not list(tmp_path.glob(".*.tmp"))


def test_put_many_is_one_append_and_tinydb_table_writes_are_refused_without_changing_memory(tmp_path):
    c = Catalog(tmp_path)
    c.put("runs", {"id": "r0", "x": 0})
    c.put_many("runs", [{"id": f"r{i}", "x": i} for i in range(5)])
    assert sorted((r["id"], r["x"]) for r in c.all("runs")) == [(f"r{i}", i) for i in range(5)]
    with pytest.raises(StorageError, match="record by record"):
        c._table("runs").insert({"id": "sneaky"})
    with pytest.raises(StorageError, match="record by record"):
        c._table("runs").update({"x": 99})                 # TinyDB changes documents in place
    assert sorted(r["x"] for r in c.all("runs")) == [0, 1, 2, 3, 4]
    assert c.get("runs", "sneaky") is None


def test_a_torn_journal_line_is_cut_by_the_next_writer(tmp_path):
    c = Catalog(tmp_path)
    c.put("runs", {"id": "a"})
    with open(tmp_path / "catalog.journal.0", "ab") as f:
        f.write(b'{"t":"runs","i":"2","d":{"id":"half')      # a writer killed mid-append
    other = subprocess.run([sys.executable, "-c", PUT_ONE, str(tmp_path), "b"],
                           env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert other.returncode == 0
    lines = (tmp_path / "catalog.journal.0").read_bytes().splitlines()
    assert [orjson.loads(x)["d"]["id"] for x in lines] == ["a", "b"]
    assert {r["id"] for r in Catalog(tmp_path).all("runs")} == {"a", "b"}


def test_a_store_written_by_the_previous_version_opens_and_migrates_in_place(tmp_path):
    from tinydb import TinyDB

    from py_tracker.core.session import new_record
    old = TinyDB(tmp_path / "catalog.json")             # the previous format: TinyDB's JSON file
    old.table("projects").insert({"name": "p", "created_at": 1.0})
    rec = new_record("oldrun01", "p", config={"lr": 0.1}, now=1.0)
    rec["state"] = "finished"
    old.table("runs").insert(rec)
    old.close()
    c = Catalog(tmp_path)
    assert c.get("runs", "oldrun01")["config"] == {"lr": 0.1}
    c.put("runs", {"id": "newrun01", "project": "p"})
    c.compact()
    data = orjson.loads((tmp_path / "catalog.json").read_bytes())
    assert "_journal" in data and {r["id"] for r in data["runs"].values()} == {"oldrun01", "newrun01"}
    assert "_journal" not in orjson.loads((tmp_path / "catalog.json.bak").read_bytes())  # the old file
    from py_tracker.storage.index import check_index
    assert check_index(tmp_path) is None          # the migrated snapshot comes with its runs index
    reload_state(tmp_path)
    page, total = Api(tmp_path).runs_page("p", order="+created_at")
    assert [r.id for r in page] == ["oldrun01", "newrun01"] and total == 2


def test_reader_never_sees_half_a_file(tmp_path):
    c = Catalog(tmp_path)
    c.put("runs", {"id": "seed", "blob": "x" * 10000})
    reader = Catalog(tmp_path, readonly=True)
    errors: list[Exception] = []
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            try:
                assert reader.get("runs", "seed") is not None
            except Exception as exc:  # pragma: no cover - the failure we test for
                errors.append(exc)

    t = threading.Thread(target=read_loop)
    t.start()
    for i in range(200):
        c.put("runs", {"id": f"r{i}", "blob": "y" * 1000})
    stop.set()
    t.join()
    assert errors == []


def test_concurrent_processes_lose_nothing(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", INSERT_MANY, str(tmp_path), str(w), "100"], env=env)
             for w in range(4)]
    assert [p.wait(60) for p in procs] == [0, 0, 0, 0]
    assert len(Catalog(tmp_path).all("runs")) == 400


INSERT_COMPACTING = """
import sys
from py_tracker.storage import journal
from py_tracker.storage.catalog import Catalog
journal.COMPACT_MIN_BYTES = 3000          # compact every few dozen records
c = Catalog(sys.argv[1])
for i in range(int(sys.argv[3])):
    c.put("runs", {"id": f"w{sys.argv[2]}-{i}", "worker": int(sys.argv[2]), "pad": "x" * 100})
    c.patch("runs", f"w{sys.argv[2]}-{i}", {"state": "finished"})
"""


def test_four_processes_writing_while_they_compact_lose_nothing(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    procs = [subprocess.Popen([sys.executable, "-c", INSERT_COMPACTING, str(tmp_path), str(w), "150"], env=env)
             for w in range(4)]
    assert [p.wait(120) for p in procs] == [0, 0, 0, 0]
    assert (tmp_path / "catalog.json").exists()                 # snapshots were written meanwhile
    fresh = subprocess.run([sys.executable, "-c", COUNT_STATES, str(tmp_path)], capture_output=True,
                           text=True, env=env, check=True)
    assert fresh.stdout.split() == ["600", "finished"]


COUNT_STATES = """
import sys
from py_tracker.storage.catalog import Catalog
runs = Catalog(sys.argv[1], readonly=True).all("runs")
print(len({r["id"] for r in runs}), "/".join(sorted({r.get("state", "?") for r in runs})))
"""


def test_damaged_without_backup_is_a_clear_error(tmp_path):
    (tmp_path / "catalog.json").write_text("{not json")
    with pytest.raises(StorageError, match="doctor"):
        Catalog(tmp_path, readonly=True).all("runs")


def test_readonly_refuses_writes(tmp_path):
    Catalog(tmp_path).put("runs", {"id": "a"})
    with pytest.raises(StorageError, match="read-only"):
        Catalog(tmp_path, readonly=True).put("runs", {"id": "b"})
