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
from py_tracker.storage.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]


INSERT_MANY = """
import sys
from py_tracker.storage.catalog import Catalog
c = Catalog(sys.argv[1])
for i in range(int(sys.argv[3])):
    c.put("runs", {"id": f"w{sys.argv[2]}-{i}", "worker": int(sys.argv[2])})
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


def test_writes_are_atomic_and_keep_a_backup(tmp_path):
    c = Catalog(tmp_path)
    c.put("runs", {"id": "a"})
    c.put("runs", {"id": "b"})
    data = orjson.loads((tmp_path / "catalog.json").read_bytes())
    backup = orjson.loads((tmp_path / "catalog.json.bak").read_bytes())
    assert len(data["runs"]) == 2 and len(backup["runs"]) == 1
    assert not list(tmp_path.glob(".*.tmp"))


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


def test_damaged_without_backup_is_a_clear_error(tmp_path):
    (tmp_path / "catalog.json").write_text("{not json")
    with pytest.raises(StorageError, match="doctor"):
        Catalog(tmp_path, readonly=True).all("runs")


def test_readonly_refuses_writes(tmp_path):
    Catalog(tmp_path).put("runs", {"id": "a"})
    with pytest.raises(StorageError, match="read-only"):
        Catalog(tmp_path, readonly=True).put("runs", {"id": "b"})
