"""Contract: the catalog keeps the same semantics on every kind of store it opens.

`storage.catalog.Catalog` is TinyDB over `JournalStorage` (a snapshot plus append-only
journal segments, `storage.journal`). What it may find on disk, each a fixture param:
- `journal`: a new store (journal segment 0, no snapshot yet);
- `legacy`: a `catalog.json` as earlier versions wrote it (one whole TinyDB file, no
  `_journal` mark), holding a run already, migrated on the first snapshot;
- `compacted`: a store whose changes were folded into a snapshot and a later segment.
Each test runs against all three, and checks what another process would read (the state
reloaded from disk), not only this process's memory. Concurrency uses real processes.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from py_tracker.errors import StorageError
from py_tracker.storage.catalog import Catalog, reload_state

OLD_RUN = {"id": "old00001", "project": "legacy", "state": "finished", "config": {"a": 1}, "summary": {}}


def make_store(kind: str, root: Path) -> Catalog:
    if kind == "legacy":
        root.mkdir(parents=True)
        (root / "catalog.json").write_text(json.dumps({
            "projects": {"1": {"name": "legacy", "created_at": 1.0}},
            "runs": {"1": OLD_RUN}, "sweeps": {}, "artifacts": {}}))
    cat = Catalog(root)
    if kind == "compacted":
        for i in range(20):
            cat.put("runs", {"id": f"pre{i:05d}", "project": "pre", "state": "finished"})
        cat.delete("runs", "pre00003")
        cat.compact()
        assert (root / "catalog.json").exists() and list(root.glob("catalog.journal.*"))
    return cat


@pytest.fixture(params=["journal", "legacy", "compacted"])
def store(request, tmp_path):
    root = tmp_path / request.param
    return request.param, root, make_store(request.param, root)


def reopened(root: Path) -> Catalog:
    """The catalog as a process that reads the files afresh sees it."""
    reload_state(root)
    return Catalog(root)


def test_put_get_copy_and_missing(store):
    kind, root, cat = store
    cat.put("runs", {"id": "r1", "project": "p", "state": "running", "config": {"lr": 0.1, "n": [1, 2]}})
    got = cat.get("runs", "r1")
    assert got == {"id": "r1", "project": "p", "state": "running", "config": {"lr": 0.1, "n": [1, 2]}}
    got["config"]["lr"] = 99  # a copy: the stored document does not change
    assert cat.get("runs", "r1")["config"]["lr"] == 0.1
    assert cat.get("runs", "nope") is None
    assert reopened(root).get("runs", "r1")["config"] == {"lr": 0.1, "n": [1, 2]}
    if kind == "legacy":
        assert reopened(root).get("runs", "old00001") == OLD_RUN


def test_put_replaces_and_patch_keeps_other_fields(store):
    _, root, cat = store
    cat.put("runs", {"id": "r1", "project": "p", "state": "running", "summary": {"a": 1}})
    cat.put("runs", {"id": "r1", "project": "p", "state": "running"})
    assert "summary" not in cat.get("runs", "r1")
    out = cat.patch("runs", "r1", {"state": "finished", "summary": {"b": 2}})
    assert out == {"id": "r1", "project": "p", "state": "finished", "summary": {"b": 2}}
    cat.patch("runs", "r1", lambda d: d.setdefault("tags", []).append("x"))
    assert reopened(root).get("runs", "r1") == {"id": "r1", "project": "p", "state": "finished",
                                                 "summary": {"b": 2}, "tags": ["x"]}
    assert cat.patch("runs", "missing", {"state": "x"}) is None  # patch never creates
    assert reopened(root).get("runs", "missing") is None


def test_insert_new_only_once(store):
    _, root, cat = store
    assert cat.insert_new("projects", {"name": "p", "created_at": 1.0}) is True
    assert cat.insert_new("projects", {"name": "p", "created_at": 2.0}) is False
    assert reopened(root).get("projects", "p") == {"name": "p", "created_at": 1.0}


def test_list_and_filter(store):
    kind, root, cat = store
    before = {d["id"] for d in cat.all("runs")}
    for i in range(6):
        cat.put("runs", {"id": f"r{i}", "project": "p" if i % 2 else "q", "state": "finished"})
    ids = {d["id"] for d in reopened(root).all("runs")}
    assert ids == before | {f"r{i}" for i in range(6)}
    assert sorted(d["id"] for d in cat.search("runs", lambda d: d.get("project") == "p")) == ["r1", "r3", "r5"]
    assert {d["id"] for d in cat.scan("runs")} == ids
    if kind == "compacted":
        assert "pre00003" not in ids and "pre00004" in ids
    if kind == "legacy":
        assert "old00001" in ids
    with pytest.raises(ValueError, match="unknown catalog table 'rnus'"):
        cat.all("rnus")


def test_delete(store):
    kind, root, cat = store
    cat.put("runs", {"id": "r1", "project": "p"})
    assert cat.delete("runs", "r1") is True
    assert cat.delete("runs", "r1") is False
    assert cat.get("runs", "r1") is None and reopened(root).get("runs", "r1") is None
    if kind == "legacy":
        assert cat.delete("runs", "old00001") is True
        assert reopened(root).get("runs", "old00001") is None
    cat.put("runs", {"id": "r1", "project": "again"})  # a deleted key can come back
    assert reopened(root).get("runs", "r1") == {"id": "r1", "project": "again"}


def test_compaction_keeps_everything(store):
    kind, root, cat = store
    for i in range(30):
        cat.put("runs", {"id": f"c{i}", "project": "p", "n": i})
    cat.delete("runs", "c7")
    want = {d["id"]: d for d in cat.all("runs")}
    cat.compact()
    assert {d["id"]: d for d in reopened(root).all("runs")} == want
    snap = json.loads((root / "catalog.json").read_text())
    assert "_journal" in snap  # a legacy snapshot is migrated by the first one written


def test_unstorable_value_is_refused_by_name_and_nothing_is_written(store):
    _, root, cat = store
    cat.put("runs", {"id": "r1", "project": "p"})
    with pytest.raises((StorageError, TypeError, ValueError), match="bad"):
        cat.patch("runs", "r1", {"bad": object()})
    assert reopened(root).get("runs", "r1") == {"id": "r1", "project": "p"}


WRITER = textwrap.dedent("""
    import sys
    from py_tracker.storage.catalog import Catalog
    root, me, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cat = Catalog(root)
    won = 0
    for i in range(n):
        won += cat.insert_new("runs", {"id": f"shared{i}", "project": "p", "by": me})
        cat.put("runs", {"id": f"{me}-{i}", "project": "p"})
        with cat.transaction():
            c = cat.get("projects", "counter") or {"name": "counter", "n": 0}
            c["n"] += 1
            cat.put("projects", c)
    print(won)
""")


def test_concurrent_processes_lose_nothing(store):
    kind, root, cat = store
    n = 25
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), name, str(n)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("w1", "w2")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    won = sum(int(o[0].strip()) for o in outs)
    final = reopened(root)
    assert won == n  # every shared key created exactly once
    assert final.get("projects", "counter")["n"] == 2 * n  # read-modify-write under the lock
    ids = {d["id"] for d in final.all("runs")}
    assert {f"w{w}-{i}" for w in (1, 2) for i in range(n)} <= ids
    assert {f"shared{i}" for i in range(n)} <= ids
    assert {d["by"] for d in final.all("runs") if d["id"].startswith("shared")} <= {"w1", "w2"}
    if kind == "legacy":
        assert final.get("runs", "old00001") == OLD_RUN
