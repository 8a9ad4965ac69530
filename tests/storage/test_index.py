"""The runs index beside the catalog snapshot: a fresh process's first page reads it and the
journal tail only; a damaged or mismatched index is never trusted, reported and rebuilt."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest

from py_tracker.api import Api
from py_tracker.storage import index as runs_index
from py_tracker.storage.catalog import Catalog, reload_state
from py_tracker.storage.doctor import doctor
from py_tracker.storage.journal import dumps

ORDERS = ("-created_at", "+created_at", "+name", "-name", "state", "-state", "group", "-updated_at", "runtime")


def _rec(i: int, **kw) -> dict:
    rec = {"id": f"r{i:03d}", "project": "p" if i % 4 else "q", "name": f"n{(i * 7) % 13}", "state": "finished",
           "group": None if i % 5 == 0 else f"g{i % 3}", "tags": ["t"], "config": {"lr": i / 10},
           "summary": {"loss": 1 / (i + 1)}, "created_at": 1000.0 + i, "updated_at": 2000.0 - i,
           "runtime": float(i % 4), "host": "elsewhere", "last_step": i}
    rec.update(kw)
    return rec


def _fresh(root: Path) -> Api:
    """An Api as a new process sees the store: this process's copy of the catalog dropped,
    after any background index rebuild of this process is done (a new process has none; one
    still running would load the catalog again behind this reader's back)."""
    _wait_for_index(root)
    reload_state(root)
    api = Api(root)
    assert not api.catalog.in_memory
    return api


def _full_listing(root: Path, project: str | None, order: str) -> list[str]:
    reload_state(root)
    return [r.id for r in Api(root).runs(project, order=order)]


@pytest.fixture
def indexed(tmp_path):
    """A store of 40 runs in a snapshot with its index, then changes only in the journal tail."""
    cat = Catalog(tmp_path)
    cat.put_many("runs", [_rec(i) for i in range(40)])
    cat.compact()
    cat.patch("runs", "r005", {"name": "renamed", "created_at": 5000.0})        # changed after the snapshot
    cat.delete("runs", "r006")                                                  # deleted after it
    cat.put("runs", _rec(41, name="late"))                                      # created after it
    cat.put("runs", _rec(42, state="running", host="elsewhere", heartbeat_at=0.0))  # its writer is gone
    return tmp_path


def test_a_fresh_page_reads_the_index_and_tail_and_equals_the_full_listing(indexed):
    assert runs_index.check_index(indexed) is None
    for project in ("p", "q", None):
        for order in ORDERS:
            full = _full_listing(indexed, project, order)
            for offset, limit in ((0, 5), (3, 7), (0, 0), (38, 50)):
                api = _fresh(indexed)
                page, total = api.runs_page(project, order=order, offset=offset, limit=limit)
                assert not api.catalog.in_memory          # answered without reading the catalog
                want = full[offset:offset + limit] if limit else full[offset:]
                assert [r.id for r in page] == want, (project, order, offset, limit)
                assert total == len(full)
    api = _fresh(indexed)
    (first,), _ = api.runs_page("p", order="-created_at", limit=1)
    assert (first.id, first.name, first.config) == ("r005", "renamed", {"lr": 0.5})  # whole record, tail's
    crashed = {r.id: r.state for r in api.runs_page(None, order="state", limit=0)[0]}
    assert crashed["r042"] == "crashed" and "r006" not in crashed


def test_the_index_holds_light_fields_only_and_whole_records_come_by_span(indexed):
    state = runs_index.IndexedRuns(indexed)
    try:
        state.refresh()
        assert "config" not in runs_index.LIGHT_FIELDS
        rows = dict(state.values("p", "name"))
        assert rows["2"] == "n7" and rows["6"] == "renamed"  # doc ids: r001 is doc 2, r005 doc 6
        assert state.record("2") == _rec(1)
    finally:
        state.close()


def test_a_run_by_id_in_a_fresh_process_comes_from_the_index_and_tail(indexed):
    for run_id, want in (("r001", _rec(1)), ("r005", dict(_rec(5), name="renamed", created_at=5000.0)),
                         ("r041", _rec(41, name="late"))):
        api = _fresh(indexed)
        assert api.run(f"p/{run_id}")._record == want and not api.catalog.in_memory
    for gone in ("r006", "nope"):
        with pytest.raises(ValueError, match=f"no run '{gone}'"):
            _fresh(indexed).run(gone)
    _corrupt_index(indexed)
    assert _fresh(indexed).run("r001")._record == _rec(1)  # read from the catalog instead


def test_a_write_by_another_process_is_seen_by_the_next_fresh_page(indexed):
    code = "import sys; from py_tracker.storage.catalog import Catalog; Catalog(sys.argv[1]).put('runs', %r)"
    subprocess.run([sys.executable, "-c", code % (_rec(99, created_at=9999.0),), str(indexed)], check=True)
    page, total = _fresh(indexed).runs_page("p", order="-created_at", limit=1)
    assert page[0].id == "r099" and total == len(_full_listing(indexed, "p", "-created_at"))


def _corrupt_index(root: Path) -> None:
    path = root / runs_index.INDEX_NAME
    raw = bytearray(path.read_bytes())
    at = raw.index(b'"n1"')                    # one name in the light columns: the CRC must catch it
    raw[at + 2] = ord("9")
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("damage", ["garbled", "truncated", "other_snapshot", "span"])
def test_an_unusable_index_is_never_trusted_reported_and_rebuilt(indexed, damage, caplog):
    path = indexed / runs_index.INDEX_NAME
    if damage == "garbled":
        _corrupt_index(indexed)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "other_snapshot":       # an index left from the snapshot before
        old = path.read_bytes()
        Catalog(indexed).compact()
        path.write_bytes(old)
    else:                                   # the snapshot's bytes at a span are another record's
        snap = indexed / "catalog.json"
        raw = snap.read_bytes()
        at = raw.index(b'"id":"r001"')
        with open(snap, "r+b") as f:        # same file, size and mark: only the span check can tell
            f.seek(at + 6)
            f.write(b"x")
    full = {o: _full_listing(indexed, "p", o) for o in ("-created_at", "+name")}
    for order in full:
        page, total = _fresh(indexed).runs_page("p", order=order, limit=0)
        assert [r.id for r in page] == full[order] and total == len(full[order])
    _wait_for_index(indexed)  # the reader that found it unusable wrote a new snapshot and index
    assert runs_index.check_index(indexed) is None
    if damage != "span":
        _corrupt_index(indexed)
        about_index = lambda rep: [line for line in rep.lines if "runs index" in line]  # noqa: E731
        (line,) = about_index(doctor(indexed, repair=False))
        assert line.startswith("problem: the runs index cannot be used: catalog.index is damaged (column 'name'")
        assert about_index(doctor(indexed, repair=True))[-1] == \
            "wrote a new catalog snapshot with its runs index (catalog.index)"
        assert runs_index.check_index(indexed) is None and not about_index(doctor(indexed, repair=False))


def _wait_for_index(root: Path) -> None:
    """Until the readers' background rebuilds are done."""
    for t in threading.enumerate():
        if t.name == "py_tracker-catalog-index":
            t.join(30)


def test_a_store_written_by_todays_main_code_gets_its_index_from_the_cli(tmp_path):
    """A snapshot in the journal format but without an index (what the previous version
    wrote): `py-tracker runs` answers from the catalog, then writes the index in place."""
    recs = {str(i + 1): _rec(i) for i in range(30)}
    body = {"_journal": {"segment": 0, "offset": 0}, "projects": {"1": {"name": "p"}}, "runs": recs,
            "sweeps": {}, "artifacts": {}}
    (tmp_path / "catalog.json").write_bytes(dumps(body))
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    cli = [sys.executable, "-m", "py_tracker.cli", "--dir", str(tmp_path), "runs", "p", "--limit", "3"]
    first = subprocess.run(cli, env=env, capture_output=True, text=True, check=True).stdout
    assert runs_index.check_index(tmp_path) is None      # written before that process exited
    assert orjson.loads((tmp_path / "catalog.json.bak").read_bytes()) == body  # the old file kept
    again = subprocess.run(cli, env=env, capture_output=True, text=True, check=True).stdout
    assert again == first and first.splitlines()[1].startswith("r029")
    assert "runs 1-3 of 22" in first


def test_an_index_that_cannot_be_written_costs_a_warning_never_the_snapshot(indexed, caplog):
    (indexed / runs_index.INDEX_NAME).unlink()
    (indexed / runs_index.INDEX_NAME).mkdir()                 # nothing can be renamed over it
    (indexed / runs_index.INDEX_NAME / "x").write_text("")
    Catalog(indexed).compact()
    assert "could not put the catalog index in place" in caplog.text
    assert not list(indexed.glob(".catalog.index.*.tmp"))     # no temp file left behind
    full = _full_listing(indexed, "p", "-created_at")
    page, total = _fresh(indexed).runs_page("p", limit=0)     # the catalog is read instead
    assert [r.id for r in page] == full and total == len(full)
    _wait_for_index(indexed)
