"""The catalog: TinyDB holding projects, runs, sweeps and artifacts, safe across processes.

TinyDB's default JSONStorage rewrites the file in place, so a reader in another
process can see half a file, and it offers no locking. `AtomicJSONStorage`
writes a temporary file and `os.replace`s it (readers see the old or the new
file, never half of one), keeps a hard-linked copy of the previous good file as
`catalog.json.bak`, and falls back to it when the main file is damaged.
`Catalog` holds a cross-process file lock around every read-modify-write, so
four notebooks writing at once lose nothing.
"""
from __future__ import annotations

import logging
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
from filelock import FileLock
from tinydb import Query, TinyDB
from tinydb.storages import Storage

from ..errors import StorageError
from .access import check_root
from .paths import StoreLayout

log = logging.getLogger("py_tracker")

TABLES = ("projects", "runs", "sweeps", "artifacts")


def _dumps(data: Any) -> bytes:
    return orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)


class AtomicJSONStorage(Storage):
    """TinyDB storage: whole-file JSON written atomically, with a last-good backup.

    Contract (TinyDB's): `read()` returns the whole database dict or None when
    empty; `write(data)` replaces it. Callers that read-modify-write must hold
    the catalog lock (see `Catalog`).
    """

    def __init__(self, path: str | os.PathLike[str], readonly: bool = False):
        self.path = Path(path)
        self.backup = self.path.with_name(self.path.name + ".bak")
        self.readonly = readonly
        self.damaged = False

    def _parse(self, path: Path) -> dict | None:
        data = path.read_bytes()
        if not data.strip():
            return None
        value = orjson.loads(data)
        if not isinstance(value, dict):
            raise ValueError("catalog root is not an object")
        return value

    def read(self) -> dict | None:
        try:
            self.damaged = False
            return self._parse(self.path)
        except FileNotFoundError:
            pass
        except (ValueError, orjson.JSONDecodeError) as exc:
            self.damaged = True
            log.warning("py_tracker: catalog %s is damaged (%s); reading its last good copy %s. "
                        "Run `py-tracker doctor` to repair it.", self.path, exc, self.backup)
        try:
            return self._parse(self.backup)
        except FileNotFoundError:
            if self.damaged:
                raise StorageError(f"catalog {self.path} is damaged and has no backup; "
                                   f"run `py-tracker doctor` (it keeps the damaged file)") from None
            return None
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise StorageError(f"catalog {self.path} and its backup are both damaged ({exc}); "
                               f"run `py-tracker doctor`") from None

    def write(self, data: dict) -> None:
        if self.readonly:
            raise StorageError("this catalog was opened read-only")
        if self.damaged:
            # Never overwrite a damaged file without keeping it: doctor can still look at it.
            keep = self.path.with_name(f"{self.path.name}.damaged")
            try:
                os.replace(self.path, keep)
            except FileNotFoundError:
                pass
            self.damaged = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(_dumps(data))
                f.flush()
                os.fsync(f.fileno())
            if self.path.exists():
                try:
                    os.unlink(self.backup)
                except FileNotFoundError:
                    pass
                try:
                    os.link(self.path, self.backup)
                except OSError:
                    pass
            os.replace(tmp, self.path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise StorageError(f"could not write the catalog {self.path}: {exc}") from exc

    def close(self) -> None:
        pass


class Catalog:
    """Keyed documents in named tables, every write under a cross-process lock.

    Documents carry their key in the "id" field ("name" for projects).
    Reads never take the lock: they see a whole file, the old or the new one.
    `transaction()` holds the lock across several operations when a caller
    needs read-modify-write over more than one call.
    """

    def __init__(self, root: str | os.PathLike[str], readonly: bool = False):
        check_root(root, write=not readonly)  # a file, a read-only or foreign store: say so now
        self.layout = StoreLayout(root)
        if not readonly:
            self.layout.root.mkdir(parents=True, exist_ok=True)
        self._storage = AtomicJSONStorage(self.layout.catalog, readonly=readonly)
        self._db = TinyDB(storage=lambda: self._storage)  # type: ignore[arg-type]
        self._tables = {name: self._db.table(name, cache_size=0) for name in TABLES}
        self._flock = FileLock(str(self.layout.lock), thread_local=False) if not readonly else None
        self._tlock = threading.RLock()

    @staticmethod
    def _key_field(table: str) -> str:
        return "name" if table == "projects" else "id"

    @contextmanager
    def transaction(self) -> Iterator["Catalog"]:
        """Hold the catalog lock (this process and others) for the enclosed operations."""
        if self._flock is None:
            raise StorageError("this catalog was opened read-only")
        with self._tlock:
            try:
                self._flock.acquire(timeout=30)
            except Exception as exc:  # filelock.Timeout
                raise StorageError(f"could not lock {self.layout.lock} within 30 s "
                                   f"(another process holds it): {exc}") from exc
            try:
                # TinyDB caches the next document id per table; another process may have
                # inserted since, so recompute it from the file we now hold the lock on.
                for t in self._tables.values():
                    t._next_id = None
                yield self
            finally:
                self._flock.release()

    def _table(self, table: str):
        try:
            return self._tables[table]
        except KeyError:
            raise ValueError(f"unknown catalog table {table!r}; one of {TABLES}") from None

    def get(self, table: str, key: str) -> dict | None:
        doc = self._table(table).get(Query()[self._key_field(table)] == key)
        return dict(doc) if doc is not None else None

    def all(self, table: str) -> list[dict]:
        return [dict(d) for d in self._table(table).all()]

    def search(self, table: str, pred: Callable[[dict], bool]) -> list[dict]:
        return [dict(d) for d in self._table(table).all() if pred(d)]

    def _find(self, docs: dict, field: str, key: str) -> Any:
        for doc_id, doc in docs.items():
            if doc.get(field) == key:
                return doc_id
        return None

    def _write_op(self, table: str, op: Callable[[dict, str], Any]) -> Any:
        """One read and one write of the file, under the lock: every write goes through here
        (TinyDB's own single write path, `_update_table`, with our updater)."""
        field = self._key_field(table)
        result: list[Any] = [None]

        def updater(docs: dict) -> None:
            result[0] = op(docs, field)
        with self.transaction():
            self._table(table)._update_table(updater)
        return result[0]

    def put(self, table: str, doc: dict) -> None:
        """Insert or replace the document with this key."""
        def op(docs: dict, field: str) -> None:
            doc_id = self._find(docs, field, doc[field])
            if doc_id is None:
                doc_id = max(docs, default=0) + 1
            docs[doc_id] = dict(doc)
        self._write_op(table, op)

    def insert_new(self, table: str, doc: dict) -> bool:
        """Insert only if no document has this key; returns False if one exists."""
        def op(docs: dict, field: str) -> bool:
            if self._find(docs, field, doc[field]) is not None:
                return False
            docs[max(docs, default=0) + 1] = dict(doc)
            return True
        return self._write_op(table, op)

    def patch(self, table: str, key: str, fields: dict | Callable[[dict], None]) -> dict | None:
        """Update fields of one document (a dict, or a function mutating it); returns the result."""
        def op(docs: dict, field: str) -> dict | None:
            doc_id = self._find(docs, field, key)
            if doc_id is None:
                return None
            new = docs[doc_id]  # freshly read for this operation: safe to change in place
            if callable(fields):
                fields(new)
            else:
                new.update(fields)
            docs[doc_id] = new
            return dict(new)
        return self._write_op(table, op)

    def delete(self, table: str, key: str) -> bool:
        def op(docs: dict, field: str) -> bool:
            doc_id = self._find(docs, field, key)
            if doc_id is None:
                return False
            del docs[doc_id]
            return True
        return self._write_op(table, op)
