"""Append-only metric history: one writer per file, columnar chunks, readers that never fail.

File format (`history.jsonl`, `system.jsonl`): one JSON line per flushed batch,
`{"n": rows, "c": {key: [value or null per row]}, "x": {key: {row: "nan"|"inf"|"-inf"}}}`.
A batch per line keeps the writer cheap (one orjson call per flush, not per row)
and lets a reader load a million rows with a few dozen parses. `null` means
"not logged in this row"; JSON has no NaN/Infinity, so non-finite floats are
listed in "x" and restored on read. A line cut short by a crash is skipped.
"""
from __future__ import annotations

import logging
import math
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

log = logging.getLogger("py_tracker")

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_INF = math.inf
_NINF = -math.inf


def flatten(row: dict, prefix: str = "", out: dict | None = None) -> dict:
    """Nested dicts become dotted keys: {"a": {"b": 1}} -> {"a.b": 1}."""
    if out is None:
        out = {}
    for k, v in row.items():
        key = f"{prefix}{k}"
        if v.__class__ is dict and v and "_type" not in v:
            flatten(v, key + ".", out)
        else:
            out[key] = v
    return out


def encode_chunk(rows: list[dict]) -> bytes:
    """Serialize flat rows into one chunk line (bytes ending in newline)."""
    keys: dict[str, None] = {}
    for r in rows:
        for k in r:
            if k not in keys:
                keys[k] = None
    cols: dict[str, list] = {}
    special: dict[str, dict[str, str]] = {}
    for k in keys:
        col = [r.get(k) for r in rows]
        cols[k] = col
        bad = None
        for i, v in enumerate(col):
            if v.__class__ is float and (v != v or v == _INF or v == _NINF):
                if bad is None:
                    bad = special[k] = {}
                bad[str(i)] = "nan" if v != v else ("inf" if v > 0 else "-inf")
    doc: dict[str, Any] = {"n": len(rows), "c": cols}
    if special:
        doc["x"] = special
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n"


def _decode_line(line: bytes) -> dict | None:
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or "c" not in doc or "n" not in doc:
        return None
    for k, marks in (doc.get("x") or {}).items():
        col = doc["c"].get(k)
        if col is None:
            continue
        for i, name in marks.items():
            col[int(i)] = _NONFINITE[name]
    return doc


def read_chunks(path: str | os.PathLike[str]) -> Iterator[dict]:
    """Yield decoded chunks; skips a torn last line and warns about damaged ones."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return
    lines = data.split(b"\n")
    # The last element is either b"" (file ends in newline) or a torn line being written.
    for n, line in enumerate(lines[:-1]):
        if not line:
            continue
        doc = _decode_line(line)
        if doc is None:
            log.warning("py_tracker: skipped a damaged line %d in %s", n + 1, path)
            continue
        yield doc


def read_columns(path: str | os.PathLike[str], keys: Iterable[str] | None = None) -> tuple[int, dict[str, list]]:
    """All rows as columns: (row count, {key: list with None where not logged})."""
    want = set(keys) if keys is not None else None
    total = 0
    cols: dict[str, list] = {}
    for doc in read_chunks(path):
        n = doc["n"]
        for k, col in doc["c"].items():
            if want is not None and k not in want:
                continue
            dest = cols.get(k)
            if dest is None:
                dest = cols[k] = [None] * total
            dest.extend(col)
        total += n
        for dest in cols.values():
            if len(dest) < total:
                dest.extend([None] * (total - len(dest)))
    return total, cols


def iter_rows(path: str | os.PathLike[str], keys: Iterable[str] | None = None) -> Iterator[dict]:
    """Rows as dicts, holding only the keys logged in that row."""
    want = set(keys) if keys is not None else None
    for doc in read_chunks(path):
        items = [(k, c) for k, c in doc["c"].items() if want is None or k in want or k == "_step"]
        for i in range(doc["n"]):
            row = {k: c[i] for k, c in items if c[i] is not None}
            if row:
                yield row


def last_step(path: str | os.PathLike[str]) -> int | None:
    """The largest `_step` in the file, reading from its end (cheap for big files)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        return None
    block = 1 << 16
    with open(p, "rb") as f:
        while True:
            start = max(0, size - block)
            f.seek(start)
            data = f.read(size - start)
            lines = data.split(b"\n")
            candidates = lines[1:-1] if start > 0 else lines[:-1]
            for line in reversed(candidates):
                doc = _decode_line(line) if line else None
                if doc and doc["c"].get("_step"):
                    steps = [s for s in doc["c"]["_step"] if s is not None]
                    if steps:
                        return int(max(steps))
            if start == 0:
                return None
            block *= 4


class HistoryWriter:
    """Appends chunks to one history file; the only writer of that file.

    `write(rows)` serializes and writes one chunk and pushes it to the OS (so a
    crash of this process keeps it). `fsync()` is for finish. Errors propagate
    as OSError so the caller can keep the rows and retry (disk full).
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._f = None

    def write(self, rows: list[dict]) -> None:
        if not rows:
            return
        data = encode_chunk(rows)
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "ab", buffering=0)
            self._repair_tail()
        pos = self._f.tell()
        try:
            view = memoryview(data)
            while view:
                n = self._f.write(view)
                if not n:
                    raise OSError(28, "No space left on device (short write)")
                view = view[n:]
        except OSError:
            # Drop any partial write so the file stays a sequence of whole lines.
            try:
                self._f.truncate(pos)
            except OSError:
                pass
            raise

    def _repair_tail(self) -> None:
        """After a crash the file may end in a torn line: end it so new chunks stay readable."""
        assert self._f is not None
        size = self._f.seek(0, os.SEEK_END)
        if size == 0:
            return
        with open(self.path, "rb") as r:
            r.seek(size - 1)
            if r.read(1) != b"\n":
                self._f.write(b"\n")

    def fsync(self) -> None:
        if self._f is not None:
            os.fsync(self._f.fileno())

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
