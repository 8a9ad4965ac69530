"""W&B's tables made of other tables, for artifacts: `JoinedTable` and `PartitionedTable`.

- ``JoinedTable(t1, t2, join_key)``: two tables (Tables, or names of tables already added to
  the same artifact) and the column(s) they join on. `artifact.add(jt, "joined")` stores both
  tables and ``{"_type": "joined-table", "table1": ..., "table2": ..., "join_key": ...}``;
  `artifact.get("joined")` gives it back, and `.join()` computes the inner join as a Table
  (W&B computes it in its web app; offline this is how to see it).
- ``PartitionedTable(parts_path)``: every table added under the artifact folder `parts_path`
  (e.g. ``art.add(t, "parts/0")``) read as one; `.iterrows()`, `.parts`, `.table()`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from ..errors import UsageError
from .base import Media, safe_join
from .table import Table


def _stored_doc(folder: Path, name: str) -> dict[str, Any]:
    """The media doc an artifact holds for the table added as `name` (``<name>.table-file.json``)."""
    p = safe_join(folder, f"{name}.{Table._type}.json")
    if not p.is_file():
        raise UsageError(f"the artifact has no table named {name!r}; add it with artifact.add(table, {name!r})")
    return json.loads(p.read_text(encoding="utf-8"))


class JoinedTable(Media):
    """Two tables joined on `join_key` (a column name, or a (left, right) pair of names)."""

    _type = "joined-table"

    def __init__(self, table1: Table | str, table2: Table | str, join_key: str | tuple[str, str] | list[str]):
        for t in (table1, table2):
            if not isinstance(t, (Table, str)):
                raise UsageError(f"JoinedTable takes Tables or names of tables in the artifact; got {type(t).__name__}")
        if isinstance(join_key, (tuple, list)) and len(join_key) != 2 or not isinstance(join_key, (str, tuple, list)):
            raise UsageError(f"JoinedTable join_key must be a column name or a (left, right) pair; got {join_key!r}")
        self._table1, self._table2, self._join_key = table1, table2, join_key
        keys = (join_key, join_key) if isinstance(join_key, str) else tuple(join_key)
        for t, k in zip((table1, table2), keys):
            if isinstance(t, Table) and k not in t.columns:
                raise UsageError(f"JoinedTable: join key {k!r} is not a column of {t.columns}")

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        names = []
        for i, t in enumerate((self._table1, self._table2), start=1):
            if isinstance(t, Table):
                name = f"{key}_table{i}"
                doc = t.to_json(files_dir, name, step)
                target = safe_join(files_dir, f"{name}.{Table._type}.json")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(doc), encoding="utf-8")
                names.append(name)
            else:
                names.append(t)
        return {"_type": self._type, "table1": names[0], "table2": names[1], "join_key": self._join_key}

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> "JoinedTable":
        t1 = Table.load(_stored_doc(files_dir, d["table1"]), files_dir)
        t2 = Table.load(_stored_doc(files_dir, d["table2"]), files_dir)
        key = d["join_key"]
        return cls(t1, t2, key if isinstance(key, str) else tuple(key))

    @property
    def table1(self) -> Table | str:
        return self._table1

    @property
    def table2(self) -> Table | str:
        return self._table2

    def join(self) -> Table:
        """The inner join of the two tables (columns "<table>.<column>" as W&B's view names them)."""
        if not (isinstance(self._table1, Table) and isinstance(self._table2, Table)):
            raise UsageError("join() needs both tables; read the JoinedTable back with artifact.get(name)")
        left, right = (self._join_key, self._join_key) if isinstance(self._join_key, str) else self._join_key
        a, b = self._table1.get_dataframe(), self._table2.get_dataframe()
        merged = a.add_prefix("0.").merge(b.add_prefix("1."), left_on=f"0.{left}", right_on=f"1.{right}")
        return Table(dataframe=merged)


class PartitionedTable(Media):
    """All tables under `parts_path` of an artifact, read as one."""

    _type = "partitioned-table"

    def __init__(self, parts_path: str):
        if not isinstance(parts_path, str) or not parts_path.strip("/"):
            raise UsageError(f"PartitionedTable(parts_path=...) names a folder of the artifact, e.g. 'parts'; "
                             f"got {parts_path!r}")
        self.parts_path = parts_path.strip("/")
        self._parts: list[Table] | None = None

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        return {"_type": self._type, "parts_path": self.parts_path}

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> "PartitionedTable":
        pt = cls(d["parts_path"])
        folder = safe_join(files_dir, pt.parts_path)
        docs = sorted(folder.glob(f"*.{Table._type}.json")) if folder.is_dir() else []
        pt._parts = [Table.load(json.loads(p.read_text(encoding="utf-8")), files_dir) for p in docs]
        return pt

    @property
    def parts(self) -> list[Table]:
        if self._parts is None:
            raise UsageError("a PartitionedTable's parts are read from its artifact: artifact.get(name)")
        return self._parts

    def iterrows(self) -> Iterator[tuple[int, list[Any]]]:
        i = 0
        for part in self.parts:
            for _, row in part.iterrows():
                yield i, row
                i += 1

    def table(self) -> Table:
        """Every part's rows in one Table (the parts must share their columns)."""
        parts = self.parts
        if not parts:
            return Table(columns=[])
        cols = parts[0].columns
        for p in parts[1:]:
            if p.columns != cols:
                raise UsageError(f"partitions have different columns: {cols} and {p.columns}")
        return Table(columns=cols, data=[row for _, row in self.iterrows()])
