"""The catalog's files: a snapshot plus an append-only journal of record changes.

Rewriting one JSON file per change (the first design) cost in proportion to the
store: 311 ms a run at 10k runs. Here a change costs in proportion to the record:

    catalog.json            snapshot: {"_journal": {"segment": s, "offset": o}, table: {doc_id: doc}}
                            holding every change up to byte `o` of segment `s`
    catalog.json.bak        the previous snapshot (hard link), used when the snapshot is damaged
    catalog.journal.<n>     segment n: one JSON line per changed record,
                            {"t": table, "i": doc_id, "d": doc or null (deleted)}

Writers append lines under the cross-process lock (held for the append only); every
process keeps the whole catalog in memory (`JournalState`, shared by all `Catalog`s of
one store in the process) and reads only what was appended since it last looked, as
Optuna's JournalStorage does. When a segment grows past the snapshot's size, the writer
starts the next segment (under the lock) and writes a new snapshot from memory (outside
it); segments older than the previous snapshot's are then deleted. A snapshot without the
`_journal` mark (what earlier versions wrote) is the state at segment 0, so an old store
opens as it is and is migrated by the first snapshot written.
"""
from __future__ import annotations

import gc
import logging
import os
import re
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Iterable

import orjson

from ..errors import StorageError

log = logging.getLogger("py_tracker")

TABLES = ("projects", "runs", "sweeps", "artifacts", "trials")  # trials: a sweep's claims (sweep.store)
MARK = "_journal"
COMPACT_MIN_BYTES = 4 << 20
CHANGE_LOG = 50_000  # changes remembered for `JournalState.changed_since` (older ones: read all again)
GC_FREEZE_DOCS = 5000  # catalogs with this many records are moved out of the GC's way on load  # a segment smaller than this is never compacted
_MARK_RE = re.compile(rb'^\{"_journal":\{"segment":(\d+),"offset":(\d+)\}')


def dumps(data: Any) -> bytes:
    """JSON as the catalog stores it (numpy scalars allowed, non-str keys made str)."""
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


def key_field(table: str) -> str:
    """The field that names a document: "name" for projects, "id" for everything else."""
    return "name" if table == "projects" else "id"


class CatalogDamage(ValueError):
    """A catalog file that is not what the catalog writes (empty, not JSON, wrong shape)."""


def parse_snapshot(raw: bytes, path: Path) -> tuple[dict[str, dict[str, dict]], int, int]:
    """Tables, segment and offset of a snapshot; raises CatalogDamage for anything else.

    A snapshot is never empty (the writer always writes an object), so 0 bytes is damage.
    """
    if not raw.strip():
        raise CatalogDamage(f"{path.name} is empty")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CatalogDamage(f"{path.name} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise CatalogDamage(f"{path.name} holds a {type(value).__name__}, not an object of tables")
    mark = value.pop(MARK, None) or {"segment": 0, "offset": 0}
    try:
        segment, offset = int(mark["segment"]), int(mark["offset"])
    except (TypeError, KeyError, ValueError):
        raise CatalogDamage(f"{path.name} has a bad {MARK} mark {mark!r}") from None
    tables: dict[str, dict[str, dict]] = {}
    for name, docs in value.items():
        if not isinstance(docs, dict):
            raise CatalogDamage(f"{path.name}: table {name!r} is a {type(docs).__name__}, not an object")
        for doc_id, doc in docs.items():
            if not isinstance(doc, dict):
                raise CatalogDamage(f"{path.name}: {name}/{doc_id} is a {type(doc).__name__}, not an object")
            if name in TABLES and not isinstance(doc.get(key_field(name)), str):
                raise CatalogDamage(f"{path.name}: {name}/{doc_id} has no string {key_field(name)!r}")
        tables[name] = docs
    return tables, segment, offset


def keep_damaged(path: Path) -> Path | None:
    """Move a damaged file aside under a name no other damage uses; returns the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for n in range(1000):
        keep = path.with_name(f"{path.name}.damaged-{stamp}-{os.getpid()}" + (f"-{n}" if n else ""))
        if not keep.exists():
            try:
                os.link(path, keep)
            except FileExistsError:
                continue
            except FileNotFoundError:
                return None
            os.unlink(path)
            return keep
    raise StorageError(f"could not keep the damaged {path}: too many copies beside it")


class JournalState:
    """One process's copy of a store's catalog, brought up to date by reading the journal tail.

    `tables` maps table -> doc_id (str) -> document; documents are replaced, never changed
    in place, so a shallow copy of a table is a consistent view. `keys` maps table -> key
    -> doc_id. All methods take `self.lock` (in-process); writers also hold the file lock.
    """

    def __init__(self, root: Path):
        self.root = root
        self.snapshot = root / "catalog.json"
        self.backup = root / "catalog.json.bak"
        self.lock = threading.RLock()
        self.loaded = False
        self.tables: dict[str, dict[str, dict]] = {}
        self.keys: dict[str, dict[str, str]] = {}
        self.next_id: dict[str, int] = {}
        self.segment = 0
        self.offset = 0
        self.snapshot_segment = 0  # where the snapshot we loaded starts reading the journal
        self.damaged: str | None = None  # why the snapshot was not usable (the .bak was read)
        self.bad_lines = 0
        self.compacting = False
        self.retry_after = 0.0  # monotonic time before which a failed snapshot is not retried
        # The change feed of the read side: each applied change gets the next version; a
        # reload (new epoch) means everything may have changed. Views kept over the records
        # (the server's sorted runs list) update from it instead of rescanning the store.
        self.epoch = 0
        self.version = 0
        self.changes: deque[tuple[int, str, str]] = deque(maxlen=CHANGE_LOG)

    def segment_path(self, n: int) -> Path:
        return self.root / f"catalog.journal.{n}"

    # --- reading ------------------------------------------------------------------
    def _load(self) -> None:
        """Read the snapshot (or its backup when it is damaged)."""
        self.damaged = None
        tables: dict[str, dict[str, dict]] = {}
        segment = offset = 0
        try:
            tables, segment, offset = parse_snapshot(self.snapshot.read_bytes(), self.snapshot)
        except FileNotFoundError:
            if self.backup.exists():
                self.damaged = f"{self.snapshot.name} is missing"
        except CatalogDamage as exc:
            self.damaged = str(exc)
        if self.damaged is not None:
            log.warning("py_tracker: catalog snapshot %s is damaged (%s); reading its last good copy %s. "
                        "Run `py-tracker doctor` to repair it.", self.snapshot, self.damaged, self.backup)
            try:
                tables, segment, offset = parse_snapshot(self.backup.read_bytes(), self.backup)
            except FileNotFoundError:
                if self.snapshot.exists():
                    raise StorageError(f"catalog {self.snapshot} is damaged ({self.damaged}) and has no backup; "
                                       f"run `py-tracker doctor` to rebuild it from the run folders") from None
            except CatalogDamage as exc:
                raise StorageError(f"catalog {self.snapshot} and its backup are both damaged "
                                   f"({self.damaged}; {exc}); run `py-tracker doctor` to rebuild it "
                                   f"from the run folders") from None
        self.tables = {name: dict(tables.get(name) or {}) for name in set(TABLES) | set(tables)}
        self.keys = {}
        self.next_id = {}
        for name, docs in self.tables.items():
            field = key_field(name)
            self.keys[name] = {doc.get(field): doc_id for doc_id, doc in docs.items()}
            self.next_id[name] = max((int(i) for i in docs if i.isdigit()), default=0) + 1
        self.segment, self.offset, self.snapshot_segment = segment, offset, segment
        self.loaded = True
        self.epoch += 1
        self.changes.clear()
        if sum(len(d) for d in self.tables.values()) >= GC_FREEZE_DOCS:
            # A large catalog is millions of long-lived objects: without this every full
            # collection of the cyclic GC walks them all (seconds at 100k runs), which
            # stalls whatever allocates next. Frozen objects are still freed by refcount.
            gc.freeze()

    def _apply(self, change: dict) -> None:
        table, doc_id, doc = change["t"], str(change["i"]), change.get("d")
        docs = self.tables.setdefault(table, {})
        keys = self.keys.setdefault(table, {})
        old = docs.pop(doc_id, None)
        if old is not None:
            keys.pop(old.get(key_field(table)), None)
        if doc is not None:
            docs[doc_id] = doc
            keys[doc.get(key_field(table))] = doc_id
        if doc_id.isdigit():
            self.next_id[table] = max(self.next_id.get(table, 1), int(doc_id) + 1)
        self.version += 1
        self.changes.append((self.version, table, doc_id))

    def changed_since(self, table: str, mark: tuple[int, int] | None) -> tuple[tuple[int, int], list[str] | None]:
        """(new mark, doc ids of `table` changed since `mark`, oldest first), or None instead of
        the ids when everything must be read again (no mark, a reload, changes forgotten).
        Call with `self.lock` held, after `refresh()`."""
        now = (self.epoch, self.version)
        if mark is None or mark[0] != self.epoch or mark[1] > self.version:
            return now, None
        if mark[1] == self.version:
            return now, []
        if not self.changes or self.changes[0][0] > mark[1] + 1:
            return now, None
        out: list[str] = []
        seen: set[str] = set()
        for version, t, doc_id in reversed(self.changes):  # each id once, where it was last changed
            if version <= mark[1]:
                break
            if t == table and doc_id not in seen:
                seen.add(doc_id)
                out.append(doc_id)
        out.reverse()
        return now, out

    def _read_lines(self, data: bytes) -> int:
        """Apply the complete lines of `data`; returns how many bytes they took."""
        end = data.rfind(b"\n") + 1
        for line in data[:end].splitlines():
            if not line.strip():
                continue
            try:
                change = orjson.loads(line)
                if not isinstance(change, dict) or "t" not in change or "i" not in change:
                    raise ValueError("not a change record")
                self._apply(change)
            except ValueError as exc:
                self.bad_lines += 1
                log.warning("py_tracker: skipped a damaged line in the catalog journal %s (%s); "
                            "run `py-tracker doctor --check`", self.segment_path(self.segment), exc)
        return end

    def refresh(self) -> None:
        """Bring this copy up to date: read what was appended since the last call."""
        with self.lock:
            if not self.loaded:
                self._load()
            for _ in range(100):
                path = self.segment_path(self.segment)
                # Look for the next segment first: once it exists nobody appends to this one,
                # so the read below is this segment's last and we may move on.
                closed = self.segment_path(self.segment + 1).exists()
                try:
                    with open(path, "rb") as f:
                        size = os.fstat(f.fileno()).st_size
                        if size > self.offset:
                            f.seek(self.offset)
                            self.offset += self._read_lines(f.read(size - self.offset))
                except FileNotFoundError:
                    if self.segment > self.snapshot_segment or self.offset > 0 or self._snapshot_moved():
                        # our segment was compacted away while we were not looking: start again
                        self._load()
                        continue
                    if not closed:
                        return
                if not closed:
                    return
                self.segment, self.offset = self.segment + 1, 0
            raise StorageError(f"the catalog journal under {self.root} keeps changing under this reader")

    def _snapshot_moved(self) -> bool:
        try:
            head = self.snapshot.open("rb").read(80)
        except OSError:
            return False
        m = _MARK_RE.match(head)
        return bool(m) and int(m.group(1)) > self.segment

    # --- writing (caller holds the file lock and has called refresh()) ---------------
    def append(self, changes: list[tuple[str, str, bytes | None]], fsync: bool) -> Path:
        """Append changes (table, doc_id, the document's JSON or None to delete) as journal
        lines, then apply them here (as fresh objects: nothing the caller holds is shared).
        Returns the segment written to."""
        data = b"".join(b'{"t":' + dumps(t) + b',"i":' + dumps(i) + b',"d":' + (raw or b"null") + b"}\n"
                        for t, i, raw in changes)
        path = self.segment_path(self.segment)
        with self.lock:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
                try:
                    if os.fstat(fd).st_size != self.offset:
                        os.ftruncate(fd, self.offset)  # a torn line left by a writer that died mid-append
                    view = memoryview(data)
                    while view:
                        view = view[os.write(fd, view):]
                    if fsync:
                        os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as exc:
                try:
                    os.truncate(path, self.offset)  # never leave half a line for the next writer
                except OSError:
                    pass
                raise StorageError(f"could not write the catalog journal {path}: {exc}") from exc
            self.offset += len(data)
            for t, i, raw in changes:
                self._apply({"t": t, "i": i, "d": orjson.loads(raw) if raw is not None else None})
        return path

    def needs_compaction(self) -> bool:
        if self.damaged is not None:
            return True
        if self.offset < COMPACT_MIN_BYTES:
            return False
        try:
            return self.offset > self.snapshot.stat().st_size
        except OSError:
            return True

    def rotate(self) -> None:
        """Start the next segment (under the file lock): the current one is then closed."""
        with self.lock:
            nxt = self.segment_path(self.segment + 1)
            fd = os.open(nxt, os.O_WRONLY | os.O_CREAT, 0o666)
            os.close(fd)
            self.segment, self.offset = self.segment + 1, 0

    def snapshot_bytes(self) -> tuple[bytes, bytes, int, int]:
        """The snapshot of this copy as it is now, the index of its runs (`storage.index`),
        and where in the journal it stands."""
        from .index import encode_snapshot
        with self.lock:
            tables = {name: dict(docs) for name, docs in self.tables.items()}
            segment, offset = self.segment, self.offset
        data, index = encode_snapshot(tables, segment, offset)
        return data, index, segment, offset


def write_snapshot(state: JournalState, flock_acquire: Any, flock_release: Any) -> None:
    """Write a new snapshot (and its runs index) from `state`; drop the segments nobody needs.

    The bytes are written and fsynced to a temp file without any lock; the lock is taken
    only to check that no newer snapshot is in place and to rename ours over it. The index
    goes in place right after its snapshot (it names the snapshot's inode; readers use it
    only when it matches, so one without the other is never misread).
    """
    from .index import index_for_file, index_path
    data, index, segment, offset = state.snapshot_bytes()
    root = state.root
    tmp = root / f".catalog.json.{os.getpid()}.{threading.get_ident()}.tmp"
    itmp: Path | None = root / f".catalog.index.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            st = os.fstat(f.fileno())
    except OSError as exc:
        _unlink(tmp)
        raise StorageError(f"could not write the catalog snapshot {tmp}: {exc}") from exc
    try:
        with open(itmp, "wb") as f:  # type: ignore[arg-type]
            f.write(index_for_file(index, st))
    except OSError as exc:  # only an accelerator: readers fall back to the snapshot
        log.warning("py_tracker: could not write the catalog index %s: %s", itmp, exc)
        _unlink(itmp)  # type: ignore[arg-type]
        itmp = None
    flock_acquire()
    try:
        current = _mark_of(state.snapshot)
        if current is not None and current >= (segment, offset):
            _unlink(tmp)
            if itmp is not None:
                _unlink(itmp)
            return
        if state.snapshot.exists():
            if current is None:  # damaged: keep it for doctor and leave the good .bak alone
                kept = keep_damaged(state.snapshot)
                log.warning("py_tracker: kept the damaged catalog snapshot as %s", kept)
            else:
                _unlink(state.backup)
                try:
                    os.link(state.snapshot, state.backup)
                except OSError:
                    pass
        os.replace(tmp, state.snapshot)
        if itmp is not None:
            try:
                os.replace(itmp, index_path(root))
            except OSError as exc:
                log.warning("py_tracker: could not put the catalog index in place: %s", exc)
                _unlink(itmp)
        with state.lock:
            state.damaged = None
        keep_from = min(segment, (_mark_of(state.backup) or (0, 0))[0])
    finally:
        flock_release()
    for old in segments(root):
        if old < keep_from:
            _unlink(state.segment_path(old))


def segments(root: Path) -> list[int]:
    """Numbers of the journal segments present under `root`, ascending."""
    out = []
    for p in root.glob("catalog.journal.*"):
        tail = p.name.rsplit(".", 1)[-1]
        if tail.isdigit():
            out.append(int(tail))
    return sorted(out)


def _mark_of(path: Path) -> tuple[int, int] | None:
    """(segment, offset) of a snapshot; (0, 0) for an old-format one; None when damaged/missing."""
    try:
        with open(path, "rb") as f:
            head = f.read(80)
            m = _MARK_RE.match(head)
            if m:
                return int(m.group(1)), int(m.group(2))
            raw = head + f.read()
    except OSError:
        return None
    try:
        parse_snapshot(raw, path)
    except CatalogDamage:
        return None
    return 0, 0


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def iter_journal(root: Path) -> Iterable[dict]:
    """Every readable change in every segment present, oldest first (for doctor)."""
    for n in segments(root):
        try:
            raw = (root / f"catalog.journal.{n}").read_bytes()
        except OSError:
            continue
        for line in raw.splitlines():
            try:
                change = orjson.loads(line)
            except ValueError:
                continue
            if isinstance(change, dict) and "t" in change and "i" in change:
                yield change
