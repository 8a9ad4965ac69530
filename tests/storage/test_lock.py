"""The catalog's cross-process lock (storage.lock) and what a transaction does after releasing it.

Real processes and threads against a real lock file; how fast a waiter gets the lock is a
benchmark figure (benchmarks/bench_store.py), not asserted here.
"""
from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from py_tracker.errors import StorageError
from py_tracker.storage import catalog as catalog_mod
from py_tracker.storage.catalog import Catalog
from py_tracker.storage.lock import LockTimeout, StoreLock

HOLD = """
import sys, time
from py_tracker.storage.lock import StoreLock
lock = StoreLock(sys.argv[1])
lock.acquire(timeout=10)
print("held", flush=True)
sys.stdin.readline()
lock.release()
print("released", flush=True)
sys.stdin.readline()
"""


@pytest.fixture
def holder(tmp_path):
    path = tmp_path / "catalog.lock"
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "held"
    yield path, p
    p.kill()
    p.wait()


def test_another_process_holding_it_times_out_then_it_is_ours(holder):
    path, p = holder
    lock = StoreLock(path)
    with pytest.raises(LockTimeout):
        lock.acquire(timeout=0.2)
    assert not lock.is_locked
    p.stdin.write("\n")
    p.stdin.flush()
    assert p.stdout.readline().strip() == "released"
    lock.acquire(timeout=10)
    assert lock.is_locked
    lock.release()


def test_reentrant_for_its_thread_exclusive_for_others(tmp_path):
    lock = StoreLock(tmp_path / "l")
    lock.acquire(timeout=1)
    lock.acquire(timeout=1)  # nested transaction
    got = []

    def other():
        try:
            lock.acquire(timeout=0.2)
            got.append("acquired")
            lock.release()
        except LockTimeout:
            got.append("timeout")
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert got == ["timeout"]  # another thread of the process waits like another process
    lock.release()
    assert lock.is_locked  # still held once
    with pytest.raises(RuntimeError):
        _release_elsewhere(lock)  # only the holder releases
    lock.release()
    assert not lock.is_locked
    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert got == ["timeout", "acquired"]


def _release_elsewhere(lock: StoreLock) -> None:
    errors: list[BaseException] = []

    def rel():
        try:
            lock.release()
        except BaseException as exc:
            errors.append(exc)
    t = threading.Thread(target=rel)
    t.start()
    t.join()
    raise errors[0]


def test_two_catalogs_of_one_process_exclude_each_other(tmp_path):
    a, b = Catalog(tmp_path), Catalog(tmp_path)
    with a.transaction():
        with pytest.raises(LockTimeout):
            b._flock.acquire(timeout=0.1)


def test_the_catalog_names_the_lock_it_could_not_get(holder, monkeypatch):
    path, _ = holder
    monkeypatch.setattr(catalog_mod, "LOCK_TIMEOUT", 0.2)
    with pytest.raises(StorageError, match="could not lock .*catalog.lock within 0 s .another process holds it"):
        Catalog(path.parent).put("runs", {"id": "x"})


def test_record_files_are_written_after_the_lock_is_released(tmp_path):
    cat = Catalog(tmp_path)
    seen = {}
    real = cat._save_record_file

    def save(run_id, raw):
        seen[run_id] = cat._flock.is_locked
        real(run_id, raw)
    cat._save_record_file = save  # type: ignore[method-assign]
    with cat.transaction():
        cat.put("runs", {"id": "r1", "project": "p"})
        cat.put("runs", {"id": "r2", "project": "p"})
        assert not (tmp_path / "runs" / "r1" / "record.json").exists()  # not yet: the lock is held
        assert cat.get("runs", "r1")["project"] == "p"  # the record itself is in the catalog
    assert seen == {"r1": False, "r2": False}
    assert (tmp_path / "runs" / "r2" / "record.json").exists()
    cat.put("runs", {"id": "r3", "project": "p"})  # outside a transaction: at once
    assert seen["r3"] is False and (tmp_path / "runs" / "r3" / "record.json").exists()


def test_a_transaction_that_raises_still_writes_the_record_files_of_what_it_appended(tmp_path):
    cat = Catalog(tmp_path)
    with pytest.raises(ValueError):
        with cat.transaction():
            cat.put("runs", {"id": "r9", "project": "p"})
            raise ValueError("the caller's own error, after the append")
    assert Catalog(tmp_path).get("runs", "r9")["project"] == "p"
    assert (tmp_path / "runs" / "r9" / "record.json").exists()
    assert not cat._flock.is_locked
