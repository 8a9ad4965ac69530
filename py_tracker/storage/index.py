"""The runs index beside each catalog snapshot (`catalog.index`): a first page without the snapshot.

A fresh process that must answer "the newest 50 runs of project P" would otherwise parse
the whole snapshot (105 MB at 100k runs: seconds and hundreds of MB). With each snapshot
the writer also writes, from the same bytes:

    catalog.index   line 1: {"version": 2, "segment": s, "offset": o, "size": n, "inode": i,
                             "count": runs, "columns": {name: [start, length, crc32]}}
                    then one JSON array per column, one value per run: "doc_id", "start"
                    and "length" (where the record lies in the snapshot) and the light
                    fields (`LIGHT_FIELDS`)

that is, for every run the fields a listing filters by project, sorts by (times, name,
group, state...) and tells a running run from a crashed one with, and where its record
lies in the snapshot. A reader parses only the columns it needs (a project's page by creation
time: 6 of 19). `IndexedRuns` loads this, then reads the journal tail exactly as `JournalState`
does (tail records are whole records and replace or delete index rows), and reads the
whole record of a run from the snapshot by its span only when asked (`record`).

Never trusted blindly: the index is used only when each column read matches its CRC and
holds one value per run, and the snapshot it names is the one in place (same mark, size
and inode, checked on the open file the spans are then read from); a span whose bytes are not the record of that
id raises `IndexUnusable` too. The caller then reads the snapshot as before, and the next
snapshot (any writer's compaction, `Catalog.compact`, `py-tracker doctor`) writes a new
index; `doctor --check` reports an index that cannot be used.
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any, Callable

import orjson

from .journal import MARK, JournalState, dumps

INDEX_VERSION = 2
INDEX_NAME = "catalog.index"
LIGHT_FIELDS = ("id", "project", "name", "state", "created_at", "updated_at", "heartbeat_at", "finished_at",
                "group", "job_type", "tags", "sweep_id", "host", "pid", "pid_start", "runtime")


class IndexUnusable(ValueError):
    """The index is missing, damaged or describes another snapshot than the one in place."""


def index_path(root: Path) -> Path:
    return root / INDEX_NAME


def encode_snapshot(tables: dict[str, dict[str, dict]], segment: int, offset: int) -> tuple[bytes, bytes]:
    """The snapshot bytes (the format `journal.parse_snapshot` reads) and the index of its runs.

    The snapshot is assembled record by record so that each run's span is known; the
    bytes are those `dumps` gives for the whole body. The index's `inode` is filled in
    by `index_for_file` once the snapshot's file exists.
    """
    parts = [b'{"' + MARK.encode() + b'":{"segment":%d,"offset":%d}' % (segment, offset)]
    pos = len(parts[0])
    columns: dict[str, list[Any]] = {name: [] for name in ("doc_id", "start", "length") + LIGHT_FIELDS}
    doc_ids, starts, lengths = columns["doc_id"], columns["start"], columns["length"]
    light = [(f, columns[f]) for f in LIGHT_FIELDS]
    for name, docs in tables.items():
        if name != "runs":
            chunk = b"," + dumps(name) + b":" + dumps(docs)
            parts.append(chunk)
            pos += len(chunk)
            continue
        head = b"," + dumps(name) + b":{"
        parts.append(head)
        pos += len(head)
        sep = b""
        for doc_id, doc in docs.items():
            key = sep + dumps(doc_id) + b":"
            raw = dumps(doc)
            sep = b","
            pos += len(key)
            doc_ids.append(doc_id)
            starts.append(pos)
            lengths.append(len(raw))
            parts += (key, raw)
            pos += len(raw)
            for f, col in light:
                col.append(doc.get(f))
        parts.append(b"}")
        pos += 1
    parts.append(b"}")
    data = b"".join(parts)
    body: list[bytes] = []
    where: dict[str, list[int]] = {}
    at = 0
    for name, col in columns.items():
        raw = dumps(col) + b"\n"
        where[name] = [at, len(raw), zlib.crc32(raw)]
        body.append(raw)
        at += len(raw)
    head = {"version": INDEX_VERSION, "segment": segment, "offset": offset, "size": len(data), "inode": None,
            "count": len(doc_ids), "columns": where}
    return data, dumps(head) + b"\n" + b"".join(body)


def index_for_file(index: bytes, st: os.stat_result) -> bytes:
    """The index with the inode of the snapshot file it describes (a renamed file keeps it)."""
    head, _, body = index.partition(b"\n")
    meta = orjson.loads(head)
    meta["inode"] = st.st_ino
    return dumps(meta) + b"\n" + body


class RunsIndex:
    """An index file read: its header, and its columns parsed one by one when first asked
    (a page ordered by creation time parses 4 of the 19 columns), each checked by CRC."""

    def __init__(self, root: Path):
        try:
            raw = index_path(root).read_bytes()
        except FileNotFoundError:
            raise IndexUnusable(f"{INDEX_NAME} is missing") from None
        except OSError as exc:
            raise IndexUnusable(f"{INDEX_NAME} cannot be read ({exc})") from None
        head_raw, nl, self._body = raw.partition(b"\n")
        try:
            head = orjson.loads(head_raw)
            if not nl or not isinstance(head, dict) or head.get("version") != INDEX_VERSION:
                raise ValueError(f"not a version {INDEX_VERSION} index header")
            self.count = int(head["count"])
            self.segment, self.offset, self.size = int(head["segment"]), int(head["offset"]), int(head["size"])
            self.inode = head.get("inode")
            self._where = {str(k): (int(a), int(b), int(c)) for k, (a, b, c) in head["columns"].items()}
            if set(self._where) != {"doc_id", "start", "length", *LIGHT_FIELDS}:
                raise ValueError("it lacks columns")
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexUnusable(f"{INDEX_NAME} is damaged ({exc})") from None
        self._cols: dict[str, list] = {}

    def column(self, name: str) -> list:
        col = self._cols.get(name)
        if col is None:
            start, length, crc = self._where[name]
            raw = self._body[start:start + length]
            try:
                if zlib.crc32(raw) != crc:
                    raise ValueError(f"column {name!r} does not match its checksum")
                col = orjson.loads(raw)
                if not isinstance(col, list) or len(col) != self.count:
                    raise ValueError(f"column {name!r} does not hold {self.count} values")
            except ValueError as exc:
                raise IndexUnusable(f"{INDEX_NAME} is damaged ({exc})") from None
            self._cols[name] = col
        return col

    def check_all(self) -> None:
        """Parse and check every column (doctor)."""
        for name in self._where:
            self.column(name)

    def check_snapshot(self, f: Any) -> None:
        """IndexUnusable unless the open snapshot `f` is the one this index describes."""
        st = os.fstat(f.fileno())
        start = f.read(80)
        f.seek(0)
        mark = b'{"' + MARK.encode() + b'":{"segment":%d,"offset":%d}' % (self.segment, self.offset)
        if st.st_size != self.size or st.st_ino != self.inode or not start.startswith(mark):
            raise IndexUnusable(f"{INDEX_NAME} describes another catalog.json than the one in place")


def check_index(root: Path) -> str | None:
    """Why the index cannot be used with the snapshot in place, or None when it can (doctor)."""
    try:
        index = RunsIndex(root)
        index.check_all()
        with open(root / "catalog.json", "rb") as f:
            index.check_snapshot(f)
    except FileNotFoundError:
        return "catalog.json is missing"
    except IndexUnusable as exc:
        return str(exc)
    return None


class IndexedRuns(JournalState):
    """The runs of a store as the index and the journal tail give them, for one fresh read.

    Runs as of the snapshot are rows of the index's columns; the journal tail (read by
    `JournalState.refresh`) gives whole records that replace or delete them. `rows()`
    lists a project's runs with only the fields asked for; `record(doc_id)` reads one whole
    record. Private to its caller (never shared like `catalog.shared_state`): TinyDB never
    sees it. The snapshot stays open, so spans are read from the very file the index was
    checked against, even if a writer replaces it meanwhile.
    """

    def __init__(self, root: Path):
        super().__init__(root)
        self._file: Any = None
        self.index: RunsIndex | None = None
        self._tail: dict[str, dict | None] = {}
        self._pos: dict[str, int] | None = None
        self._by_run: dict[str, int] | None = None

    # what `records.effective_state` reads of a record
    state_fields = ("id", "state", "host", "pid", "pid_start", "heartbeat_at", "updated_at", "created_at")

    def _load(self) -> None:
        index = RunsIndex(self.root)
        self.close()
        try:
            f = open(self.snapshot, "rb")
        except FileNotFoundError:
            raise IndexUnusable("catalog.json is missing") from None
        try:
            index.check_snapshot(f)
        except BaseException:
            f.close()
            raise
        self._file, self.index, self._tail, self._pos, self._by_run = f, index, {}, None, None
        self.tables, self.keys, self.next_id = {}, {}, {}
        self.segment, self.offset = index.segment, index.offset
        self.snapshot_segment = self.segment
        self.damaged = None
        self.loaded = True

    def _apply(self, change: dict) -> None:
        if change["t"] == "runs":
            doc = change.get("d")
            self._tail[str(change["i"])] = doc if isinstance(doc, dict) else None

    def values(self, project: str | None, field: str, shown: Callable[[dict], Any] | None = None
               ) -> list[tuple[str, Any]]:
        """(doc_id, value of `field`) of every run of `project` (all when None); None where the
        run lacks the field. `shown(row)`, when given, computes the value from a row of
        `state_fields` instead, for the runs whose stored state is "running"."""
        assert self.index is not None
        idx, tail = self.index, self._tail
        ids = idx.column("doc_id")
        keep: Any = range(len(ids))
        if project is not None:
            projects = idx.column("project")
            keep = [i for i in keep if projects[i] == project]
        col = idx.column(field)
        out = [(ids[i], col[i]) for i in keep if ids[i] not in tail] if tail else [(ids[i], col[i]) for i in keep]
        if shown is not None:
            states = idx.column("state")
            by_id = self._positions()
            for n, (doc_id, v) in enumerate(out):
                i = by_id[doc_id]
                if states[i] == "running":
                    out[n] = (doc_id, shown({f: idx.column(f)[i] for f in self.state_fields}))
        for doc_id, doc in tail.items():
            if doc is not None and (project is None or doc.get("project") == project):
                out.append((doc_id, shown(doc) if shown is not None and doc.get("state") == "running"
                            else doc.get(field)))
        return out

    def find(self, run_id: str) -> dict | None:
        """The whole record of the run with this id, or None when there is none."""
        assert self.index is not None
        for doc in self._tail.values():
            if doc is not None and doc.get("id") == run_id:
                return doc
        if self._by_run is None:
            self._by_run = {run: i for i, run in enumerate(self.index.column("id"))}
        i = self._by_run.get(run_id)
        if i is None:
            return None
        doc_id = self.index.column("doc_id")[i]
        return None if doc_id in self._tail else self.record(doc_id)

    def record(self, doc_id: str) -> dict:
        """The whole record of run `doc_id` (the tail's, or from the snapshot by its span)."""
        assert self.index is not None
        if doc_id in self._tail:
            doc = self._tail[doc_id]
            if doc is None:
                raise KeyError(doc_id)
            return doc
        i = self._positions()[doc_id]
        start, length = self.index.column("start")[i], self.index.column("length")[i]
        want = self.index.column("id")[i]
        self._file.seek(start)
        raw = self._file.read(length)
        try:
            doc = orjson.loads(raw)
        except ValueError:
            doc = None
        if not isinstance(doc, dict) or doc.get("id") != want:
            raise IndexUnusable(f"{INDEX_NAME}: the span of run {want!r} does not hold its record")
        return doc

    def _positions(self) -> dict[str, int]:
        if self._pos is None:
            assert self.index is not None
            self._pos = {d: i for i, d in enumerate(self.index.column("doc_id"))}
        return self._pos

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
