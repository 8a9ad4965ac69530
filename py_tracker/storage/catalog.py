"""The catalog: TinyDB holding projects, runs, sweeps and artifacts, safe across processes.

TinyDB is the query engine; what it stores through is `JournalStorage`, a TinyDB
`Storage` over the snapshot + append-only journal of `storage.journal`: a change costs
one appended line for the record changed (not a rewrite of the store), readers see whole
records only, and every process keeps the catalog in memory and reads just what was
appended since it last looked. `Catalog` holds the cross-process file lock only around
"read the tail, check, append", so the check of `insert_new` (and of `transaction()`)
sees every record written before and no one writes in between.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage

from ..errors import StorageError
from .access import check_root
from .atomic import atomic_write
from .journal import TABLES, JournalState, dumps, key_field, write_snapshot
from .lock import LockTimeout, StoreLock
from .paths import StoreLayout

log = logging.getLogger("py_tracker")

LOCK_TIMEOUT = 30.0
_states: dict[str, JournalState] = {}
_states_lock = threading.Lock()


def shared_state(root: Path) -> JournalState:
    """The one in-memory copy of the catalog at `root` in this process (all Catalogs share it)."""
    key = os.path.realpath(root)
    with _states_lock:
        state = _states.get(key)
        if state is None:
            state = _states[key] = JournalState(Path(key))
        return state


def reload_state(root: Path) -> None:
    """Make this process read the store's files again from the snapshot (doctor replaced them)."""
    with _states_lock:
        state = _states.get(os.path.realpath(root))
    if state is not None:
        with state.lock:
            state.loaded = False


def encode_doc(table: str, doc: dict) -> bytes:
    """The document as JSON, or a StorageError naming the field that cannot be stored."""
    try:
        return dumps(doc)
    except (TypeError, orjson.JSONEncodeError) as exc:
        where = _unstorable(doc) or "?"
        raise StorageError(f"cannot store {table} record {doc.get(key_field(table))!r}: field {where!r} "
                           f"holds a value JSON cannot represent ({exc}); ints must fit in 64 bits "
                           f"(store big ones as str)") from None


def _unstorable(value: Any, path: str = "") -> str | None:
    if isinstance(value, dict):
        for k, v in value.items():
            found = _unstorable(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found = _unstorable(v, f"{path}[{i}]")
            if found:
                return found
        return None
    try:
        dumps(value)
    except (TypeError, orjson.JSONEncodeError):
        return path or "<value>"
    return None


def _fsync(path: Path) -> None:
    """Make what was appended to `path` durable (a StorageError if the disk refuses)."""
    try:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"could not make the catalog journal {path} durable: {exc}") from exc


class JournalStorage(Storage):
    """TinyDB storage over the journal: `read()` is the up-to-date catalog of this process.

    Contract: `read()` returns {table: {doc_id: document}} and callers must not change
    what it returns (TinyDB's queries copy documents into `Document`s). Writes are
    record-level (`Catalog` appends one change per record); TinyDB's whole-database
    `write()` is refused, so nothing can rewrite the store by accident.
    """

    def __init__(self, state: JournalState):
        self.state = state

    def read(self) -> dict | None:
        self.state.refresh()
        return dict(self.state.tables)  # TinyDB's writers replace a table in this dict, not in ours

    def write(self, data: dict) -> None:
        # TinyDB's own writers (insert, update, remove) may have changed documents of this
        # process's copy in place before calling here: read the files again, then refuse.
        with self.state.lock:
            self.state.loaded = False
        raise StorageError("the catalog is written record by record through Catalog "
                           "(put/put_many/patch/insert_new/delete), never through TinyDB's table writes")

    def close(self) -> None:
        pass


class Catalog:
    """Keyed documents in named tables, every write an appended change under a short lock.

    Documents carry their key in the "id" field ("name" for projects). Reads take no
    lock: they read the journal tail and see whole records. `transaction()` holds the lock
    across several operations when a caller needs read-modify-write over more than one
    call (e.g. "no run with this id yet, so create it"): inside it, `get` sees every
    change any process committed before.

    `fsync=True` (the default) makes each write durable before it returns; the flusher's
    periodic summary saves pass `durable=False` to `patch` (the next save repeats them).
    """

    def __init__(self, root: str | os.PathLike[str], readonly: bool = False):
        check_root(root, write=not readonly)  # a file, a read-only or foreign store: say so now
        self.layout = StoreLayout(root)
        self.readonly = readonly
        if not readonly:
            self.layout.root.mkdir(parents=True, exist_ok=True)
        self._state = shared_state(self.layout.root)
        self._storage = JournalStorage(self._state)
        self._db = TinyDB(storage=lambda: self._storage)  # type: ignore[arg-type]
        self._tables = {name: self._db.table(name, cache_size=0) for name in TABLES}
        self._flock = StoreLock(self.layout.lock) if not readonly else None
        self._tlock = threading.RLock()
        self._depth = 0
        self._owner: int | None = None  # the thread inside the transaction
        self._later: list[Callable[[], None]] = []  # work after the outermost transaction (see transaction)

    @property
    def in_memory(self) -> bool:
        """Whether this process holds the catalog in memory already (a read then costs only
        the journal tail; before that, the first read parses the snapshot)."""
        return self._state.loaded

    @staticmethod
    def _key_field(table: str) -> str:
        return key_field(table)

    def _acquire(self) -> None:
        if self._flock is None:
            raise StorageError("this catalog was opened read-only")
        try:
            self._flock.acquire(timeout=LOCK_TIMEOUT)
        except LockTimeout as exc:
            raise StorageError(f"could not lock {self.layout.lock} within {LOCK_TIMEOUT:.0f} s "
                               f"(another process holds it): {exc}") from exc
        except PermissionError as exc:
            raise StorageError(f"cannot write the store {self.layout.root}: no permission to create "
                               f"{self.layout.lock} ({exc}); open it read-only (Api) or fix its permissions") from exc
        except OSError as exc:
            raise StorageError(f"cannot lock the store {self.layout.root}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator["Catalog"]:
        """Hold the catalog lock (this process and others) for the enclosed operations.

        What a write does after its append (the fsync of a durable write, the run folder's
        `record.json`) needs no lock: inside a transaction it is kept until the outermost one
        has released the lock, and done before `transaction()` returns (an fsync error is
        raised from there), so other writers never wait for this one's disk."""
        self._state.refresh()  # read most of the tail before taking the lock
        pending: list[Callable[[], None]] = []
        compact = False
        try:
            with self._tlock:
                self._acquire()
                self._depth += 1
                if self._depth == 1:
                    self._owner = threading.get_ident()
                try:
                    self._state.refresh()
                    yield self
                finally:
                    self._depth -= 1
                    compact = self._depth == 0 and self._state.needs_compaction()
                    if compact and self._state.damaged is None:
                        try:  # a new segment lets the old ones go once the snapshot covers them
                            self._state.rotate()
                        except OSError as exc:
                            compact = False
                            log.warning("py_tracker: could not start a new catalog journal segment: %s", exc)
                    if self._depth == 0:
                        self._owner = None
                        pending, self._later = self._later, []
                    self._flock.release()  # type: ignore[union-attr]
        except BaseException:
            self._run_after(pending)  # what was appended still gets its fsync and record file
            raise
        error = self._run_after(pending)
        if compact:
            self._compact()
        if error is not None:
            raise error

    @staticmethod
    def _run_after(pending: list[Callable[[], None]]) -> BaseException | None:
        """Run the work kept for after the lock; all of it, returning the first error."""
        error: BaseException | None = None
        for fn in pending:
            try:
                fn()
            except BaseException as exc:
                error = error or exc
        return error

    def _after_commit(self, fn: Callable[[], None]) -> None:
        """Run `fn` once this thread's outermost transaction has released the lock (now, when
        there is none)."""
        if self._depth > 0 and self._owner == threading.get_ident():
            self._later.append(fn)
        else:
            fn()

    def _compact(self) -> None:
        state = self._state
        with state.lock:
            if state.compacting or time.monotonic() < state.retry_after:
                return
            state.compacting = True

        def work() -> None:
            try:
                write_snapshot(state, self._acquire, self._flock.release)  # type: ignore[union-attr]
            except Exception as exc:  # the journal still holds everything; try again in a minute
                state.retry_after = time.monotonic() + 60.0
                log.warning("py_tracker: could not write the catalog snapshot (the journal keeps every "
                            "change; retrying in 60 s): %s", exc)
            finally:
                with state.lock:
                    state.compacting = False
        threading.Thread(target=work, name="py_tracker-catalog-snapshot", daemon=False).start()

    def compact(self) -> None:
        """Write a snapshot now and wait for it (doctor, tests)."""
        with self.transaction():
            self._state.rotate()
        write_snapshot(self._state, self._acquire, self._flock.release)  # type: ignore[union-attr]

    def _table(self, table: str):
        try:
            return self._tables[table]
        except KeyError:
            raise ValueError(f"unknown catalog table {table!r}; one of {TABLES}") from None

    def get(self, table: str, key: str) -> dict | None:
        """The document with this key (a copy the caller may change), or None."""
        t = self._table(table)
        self._state.refresh()
        doc_id = self._state.keys.get(table, {}).get(key)
        if doc_id is None:
            return None
        doc = t.get(doc_id=int(doc_id)) if doc_id.isdigit() else self._state.tables[table].get(doc_id)
        return orjson.loads(dumps(doc)) if doc is not None else None

    def get_many(self, table: str, keys: list[str]) -> list[dict | None]:
        """The documents with these keys (copies, None where missing), read in one refresh:
        for callers that need many records by key (a sweep's claims)."""
        self._table(table)
        self._state.refresh()
        with self._state.lock:
            ids = self._state.keys.get(table, {})
            docs = self._state.tables.get(table, {})
            found = [docs.get(ids[k]) if k in ids else None for k in keys]
        return [orjson.loads(dumps(d)) if d is not None else None for d in found]

    def all(self, table: str) -> list[dict]:
        """Every document (TinyDB's copies: top-level fields are the caller's, nested values
        are shared with the cache and must not be changed in place)."""
        return [dict(d) for d in self._table(table).all()]

    def search(self, table: str, pred: Callable[[dict], bool]) -> list[dict]:
        """Documents for which `pred` is true (TinyDB's search: `pred` sees the stored
        documents and must not change them; only the matches are copied)."""
        return [dict(d) for d in self._table(table).search(pred)]

    def scan(self, table: str) -> list[dict]:
        """Every document as this process holds it, without copying: for listings over many
        records (the server's runs page, `Api.runs`). Read-only: copy before changing."""
        self._table(table)
        self._state.refresh()
        with self._state.lock:
            return list(self._state.tables.get(table, {}).values())

    def changes(self, table: str, mark: tuple[int, int] | None
                ) -> tuple[tuple[int, int], dict[str, dict | None] | None]:
        """What changed in `table` since `mark` (from an earlier call; None the first time):
        (new mark, {doc_id: document, or None when deleted}), or (new mark, None) when the
        caller must read everything again (`scan`). The journal tail is read first, so a
        write by any process is seen. Documents are this process's copies: read-only."""
        self._table(table)
        self._state.refresh()
        with self._state.lock:
            new, ids = self._state.changed_since(table, mark)
            if ids is None:
                return new, None
            docs = self._state.tables.get(table, {})
            return new, {doc_id: docs.get(doc_id) for doc_id in ids}

    def scan_with_ids(self, table: str) -> tuple[tuple[int, int], list[tuple[str, dict]]]:
        """(mark for `changes`, every (doc_id, document) in the catalog's order), without copying."""
        self._table(table)
        self._state.refresh()
        with self._state.lock:
            new, _ = self._state.changed_since(table, None)
            return new, list(self._state.tables.get(table, {}).items())

    def _write(self, table: str, key: str, make: Callable[[dict | None], dict | None | bool],
               durable: bool = True) -> Any:
        """Under the lock: `make(current)` gets a copy of the current document (None when there
        is none) and returns the new document, None to delete, or False to change nothing; the
        change is appended and applied. Returns make's result."""
        self._table(table)
        with self.transaction():
            state = self._state
            doc_id = state.keys.get(table, {}).get(key)
            current = state.tables[table].get(doc_id) if doc_id is not None else None
            new = make(orjson.loads(dumps(current)) if current is not None else None)
            if new is False or (new is None and current is None):
                return new
            if doc_id is None:
                doc_id = str(state.next_id.get(table, 1))
            raw = encode_doc(table, new) if new is not None else None  # names a bad field, writes nothing
            path = state.append([(table, doc_id, raw)], fsync=False)
        # Outside the lock (other writers need not wait for the disk): make it durable, then
        # refresh the run folder's copy.
        if durable:
            self._after_commit(lambda: _fsync(path))
        if table == "runs":
            self._after_commit(lambda: self._save_record_file(key, raw))
        return new

    def _save_record_file(self, run_id: str, raw: bytes | None) -> None:
        """Keep the run folder's copy of its record (`record.json`) in step with the catalog:
        `doctor` rebuilds the catalog from these when the catalog itself is lost."""
        try:
            path = self.layout.record_file(run_id)
            if raw is None:
                path.unlink(missing_ok=True)
            else:
                atomic_write(path, raw)
        except (OSError, ValueError) as exc:  # the catalog has the record; only the spare copy is stale
            log.warning("py_tracker: could not write the record copy of run %s: %s", run_id, exc)

    def put(self, table: str, doc: dict, durable: bool = True) -> None:
        """Insert or replace the document with this key."""
        field = key_field(table)
        self._write(table, doc[field], lambda cur: dict(doc), durable)

    def put_many(self, table: str, docs: list[dict], durable: bool = True) -> None:
        """Insert or replace many documents in one locked append (imports, benchmarks)."""
        field = key_field(table)
        self._table(table)
        with self.transaction():
            state = self._state
            changes, next_id = [], state.next_id.get(table, 1)
            batch: dict[str, str] = {}
            for doc in docs:
                key = doc[field]
                doc_id = batch.get(key) or state.keys.get(table, {}).get(key)
                if doc_id is None:
                    doc_id, next_id = str(next_id), next_id + 1
                batch[key] = doc_id
                changes.append((table, doc_id, encode_doc(table, doc)))
            path = state.append(changes, fsync=False)
        if durable:
            self._after_commit(lambda: _fsync(path))
        if table == "runs":
            def save() -> None:
                for (_, _, raw), doc in zip(changes, docs):
                    self._save_record_file(doc[field], raw)
            self._after_commit(save)

    def insert_new(self, table: str, doc: dict, durable: bool = True) -> bool:
        """Insert only if no document has this key; returns False if one exists."""
        field = key_field(table)
        return self._write(table, doc[field], lambda cur: dict(doc) if cur is None else False,
                           durable) is not False

    def patch(self, table: str, key: str, fields: dict | Callable[[dict], None],
              durable: bool = True) -> dict | None:
        """Update fields of one document (a dict, or a function mutating it); returns the result."""
        def make(cur: dict | None) -> dict | None | bool:
            if cur is None:
                return False
            if callable(fields):
                fields(cur)
            else:
                cur.update(fields)
            return cur
        out = self._write(table, key, make, durable)
        return dict(out) if out else None

    def delete(self, table: str, key: str) -> bool:
        existed = [False]

        def make(cur: dict | None) -> dict | None | bool:
            existed[0] = cur is not None
            return None
        self._write(table, key, make)
        return existed[0]
