"""Append-only metric history: one writer per file, columnar chunks, readers that never fail.

File format (`history.jsonl`, `system.jsonl`): one JSON line per flushed batch,
`{"n": rows, "c": {key: column}}`. A column whose values are all numbers is a
typed array `{"t": "f8"|"i8", "b": base64 of little-endian values}` (NaN and
±inf survive, and a million rows load in milliseconds); any other column is a
JSON list with `null` where the key was not logged in that row, plus
`"x": {key: {row: "nan"|"inf"|"-inf"}}` for non-finite floats in such lists.
One line per batch keeps the writer cheap and lets a reader load a million
rows with a few dozen parses. A line cut short by a crash is skipped.

Each line ends in a checksum, `..., "k": "<crc32 hex>"}`: the CRC-32 of the line
with that member removed (its bytes up to `,"k":` plus the closing `}`). A chunk
whose checksum does not match is damaged: readers skip it with a warning (it
costs that chunk only) and `py-tracker doctor --check` reports it. Lines written
before checksums existed have no `"k"` and are checked by decoding them instead.
"""
from __future__ import annotations

import base64
import binascii
import logging
import math
import os
import zlib
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from .jsonsafe import json_safe

log = logging.getLogger("py_tracker")

_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_INF = math.inf
_NINF = -math.inf
_NUM = frozenset({float, int})


_INTERNAL = {"_step": int, "_runtime": float, "_timestamp": float}


def _typed(col: list, known: type | None = None) -> dict | None:
    """A numeric column as a typed array, or None when it holds anything else."""
    types = {known} if known is not None else set(map(type, col))
    if not types <= _NUM:
        return None
    import numpy as np
    try:
        if float in types:
            arr = np.array(col, dtype="<f8")
            t = "f8"
        else:
            arr = np.array(col, dtype="<i8")
            t = "i8"
    except (OverflowError, ValueError, TypeError):
        return None
    return {"t": t, "b": base64.b64encode(arr.tobytes()).decode("ascii")}


def encode_chunk(rows: list[dict], notes: list[str] | None = None) -> bytes:
    """Serialize flat rows into one chunk line (bytes ending in newline), checksum included.

    Never fails on a value orjson refuses (ints beyond 64 bits, lone surrogates,
    unknown objects): those are stored in a faithful form (see `jsonsafe`) and a
    sentence naming the key is appended to `notes`, so one odd value never costs
    the other rows of the batch.
    """
    keys: dict[str, None] = {}
    first = rows[0]
    if len(set(map(len, rows))) == 1 and all(r.keys() == first.keys() for r in (rows[-1], rows[len(rows) // 2])):
        keys = dict.fromkeys(first)  # the common case; a differing row raises KeyError below
    else:
        for r in rows:
            for k in r:
                if k not in keys:
                    keys[k] = None
    columns: dict[str, list] = {}
    for k in keys:
        try:
            columns[k] = list(map(itemgetter(k), rows))
        except KeyError:
            if len(keys) == len(first):  # the quick key guess was wrong: start over carefully
                return _encode_mixed(rows, notes)
            columns[k] = [r.get(k) for r in rows]
    return encode_columns(len(rows), columns, notes)


def encode_columns(n: int, columns: dict[str, list], notes: list[str] | None = None) -> bytes:
    """`encode_chunk` for rows already held as columns (key -> list of `n` values, None where
    a row has no value): the same line, without building a dict per row first. Bulk writers
    (importers) that decode whole columns at once use it."""
    cols: dict[str, Any] = {}
    special: dict[str, dict[str, str]] = {}
    for k, col in columns.items():
        if len(col) != n:
            raise ValueError(f"column {k!r} has {len(col)} values for {n} rows")
        typed = _typed(col, _INTERNAL.get(k))
        if typed is not None:
            cols[k] = typed
            continue
        cols[k] = col
        bad = None
        for i, v in enumerate(col):
            if v.__class__ is float and (v != v or v == _INF or v == _NINF):
                if bad is None:
                    bad = special[k] = {}
                bad[str(i)] = "nan" if v != v else ("inf" if v > 0 else "-inf")
    doc: dict[str, Any] = {"n": n, "c": cols}
    if special:
        doc["x"] = special
    try:
        body = orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
    except TypeError:
        body = _dumps_sanitized(doc, cols, notes)
    return _with_checksum(body)


def _dumps_sanitized(doc: dict, cols: dict[str, Any], notes: list[str] | None) -> bytes:
    """Slow path: make every list column storable, naming each key that needed it once."""
    seen: set[str] = set()
    for k, col in cols.items():
        if not isinstance(col, list):
            continue
        found: list[str] = []
        fixed = [v if v.__class__ in (float, bool) or v is None else json_safe(v, k, found) for v in col]
        for i, v in enumerate(fixed):
            try:
                orjson.dumps(v, option=orjson.OPT_SERIALIZE_NUMPY)
            except TypeError:
                fixed[i] = repr(v)
                found.append(f"value of {k!r} has type {type(v).__name__}, which JSON cannot hold; "
                             f"it was stored as its repr()")
        if fixed != col or found:
            cols[k] = fixed
        for msg in found:
            if k not in seen and notes is not None:
                notes.append(msg)
            seen.add(k)
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


def _with_checksum(body: bytes) -> bytes:
    """`{...}` -> `{..., "k": "<crc32 of the line without it>"}` + newline."""
    crc = zlib.crc32(b"}", zlib.crc32(memoryview(body)[:-1]))
    return b"%s,\"k\":\"%08x\"}\n" % (memoryview(body)[:-1], crc)


_SUM = b',"k":"'
_SUM_LEN = len(_SUM) + 8 + 2  # ,"k":"xxxxxxxx"}


def _checksum_ok(line: bytes) -> bool | None:
    """True/False for a line carrying a checksum; None for a line from before checksums."""
    if len(line) < _SUM_LEN or line[-_SUM_LEN:-_SUM_LEN + len(_SUM)] != _SUM or line[-2:] != b'"}':
        return None
    try:
        want = int(line[-10:-2], 16)
    except ValueError:
        return False
    return zlib.crc32(b"}", zlib.crc32(memoryview(line)[:-_SUM_LEN])) == want


def _encode_mixed(rows: list[dict], notes: list[str] | None = None) -> bytes:
    keys: dict[str, None] = {}
    for r in rows:
        for k in r:
            keys.setdefault(k)
    filled = [{k: r.get(k) for k in keys} for r in rows]
    # rows now share keys; None marks "not logged", which _typed rejects, so such columns stay lists
    return encode_chunk(filled, notes) if len(filled) > 0 else b""


def decode_line(line: bytes) -> dict | None:
    """One chunk line as a dict, or None when it is damaged (bad checksum, bad JSON, wrong shape)."""
    doc, _ = _check(line)
    if doc is None:
        return None
    for k, marks in (doc.get("x") or {}).items():
        col = doc["c"].get(k)
        if not isinstance(col, list):
            continue
        for i, name in marks.items():
            col[int(i)] = _NONFINITE[name]
    return doc


def _check(line: bytes) -> tuple[dict | None, str]:
    """(the parsed chunk, "") when the line is whole, else (None, why it cannot be trusted)."""
    ok = _checksum_ok(line)
    if ok is False:
        return None, "checksum mismatch"
    try:
        doc = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None, "not valid JSON"
    if not isinstance(doc, dict) or not isinstance(doc.get("c"), dict) or not isinstance(doc.get("n"), int):
        return None, "not a history chunk"
    if ok is None:  # written before checksums: check that every column decodes to n values
        n = doc["n"]
        for k, c in doc["c"].items():
            try:
                size = len(decode_column(c))
            except (ValueError, TypeError, KeyError, binascii.Error):
                return None, f"column {k!r} does not decode"
            if size != n:
                return None, f"column {k!r} holds {size} values for {n} rows"
    return doc, ""


def damaged_chunks(path: str | os.PathLike[str]) -> list[tuple[int, str]]:
    """(line number, reason) of every damaged chunk of a history file; a torn last line
    (a crash mid-write, repaired by the next writer) is not damage."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    out = []
    for n, line in enumerate(data.split(b"\n")[:-1]):
        if line:
            doc, why = _check(line)
            if doc is None:
                out.append((n + 1, why))
    return out


def decode_column(c: Any) -> Any:
    """A decoded column: numpy array for typed columns, list otherwise."""
    if isinstance(c, dict) and "t" in c and "b" in c:
        import numpy as np
        if c["t"] not in ("f8", "i8"):
            raise ValueError(f"unknown column type {c['t']!r}")
        return np.frombuffer(base64.b64decode(c["b"], validate=True), dtype="<" + c["t"])
    return c


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
        doc = decode_line(line)
        if doc is None:
            log.warning("py_tracker: skipped a damaged line %d in %s (%s): the rows of that chunk are "
                        "missing, the other chunks are read. `py-tracker doctor --check` lists damaged chunks.",
                        n + 1, path, _check(line)[1])
            continue
        yield doc


def read_columns(path: str | os.PathLike[str], keys: Iterable[str] | None = None) -> tuple[int, dict[str, Any]]:
    """All rows as columns: (row count, {key: 1-d numpy array}).

    Numeric columns are float/int arrays (NaN where a key was not logged, ints
    becoming floats then); other columns are object arrays with None.
    """
    return assemble_chunks(read_chunks(path), keys)


def assemble_chunks(chunks: Iterable[dict], keys: Iterable[str] | None = None,
                    skip: Iterable[str] = ()) -> tuple[int, dict[str, Any]]:
    """Decoded chunks (`decode_line` docs, in file order) as columns: (row count, {key:
    1-d numpy array}), as `read_columns` describes. The one assembly of chunks into
    columns: the Api's history and the notebook panels' stream tails both use it.
    `keys` keeps only those columns; `skip` leaves these out."""
    import numpy as np
    want = set(keys) if keys is not None else None
    skip = frozenset(skip)
    total = 0
    parts: dict[str, list[tuple[int, Any]]] = {}
    for doc in chunks:
        n = int(doc["n"])
        for k, c in doc["c"].items():
            if (want is not None and k not in want) or k in skip:
                continue
            parts.setdefault(k, []).append((total, decode_column(c)))
        total += n
    out: dict[str, Any] = {}
    for k, segs in parts.items():
        out[k] = _assemble(segs, total, np)
    return total, out


def _assemble(segs: list[tuple[int, Any]], total: int, np: Any) -> Any:
    arrays = [(start, a if isinstance(a, np.ndarray) else _as_array(a, np)) for start, a in segs]
    kinds = {a.dtype.kind for _, a in arrays}
    contiguous = arrays[0][0] == 0 and sum(len(a) for _, a in arrays) == total
    if kinds == {"i"} and contiguous:
        return np.concatenate([a for _, a in arrays])
    if kinds <= {"i", "f", "b"}:
        out = np.full(total, np.nan)
    else:
        out = np.empty(total, dtype=object)
    for start, a in arrays:
        out[start:start + len(a)] = a
    return out


def _as_array(col: list, np: Any) -> Any:
    if all(v.__class__ in (float, int, bool) or v is None for v in col):
        if all(v is not None for v in col) and all(v.__class__ is bool for v in col):
            return np.array(col, dtype=object)
        return np.array([math.nan if v is None else v for v in col], dtype=float)
    arr = np.empty(len(col), dtype=object)
    arr[:] = col
    return arr


def iter_rows(path: str | os.PathLike[str], keys: Iterable[str] | None = None) -> Iterator[dict]:
    """Rows as dicts, holding only the keys logged in that row (non-null)."""
    want = set(keys) if keys is not None else None
    for doc in read_chunks(path):
        items = []
        for k, c in doc["c"].items():
            if want is None or k in want or k == "_step":
                col = decode_column(c)
                items.append((k, col.tolist() if hasattr(col, "tolist") else col))
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
                doc = decode_line(line) if line else None
                if doc and doc["c"].get("_step") is not None:
                    col = decode_column(doc["c"]["_step"])
                    steps = [int(s) for s in (col.tolist() if hasattr(col, "tolist") else col) if s is not None]
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

    def write(self, rows: list[dict], notes: list[str] | None = None) -> None:
        """Append `rows` as one chunk; on OSError the file is left as it was (whole lines)."""
        if not rows:
            return
        self._append(encode_chunk(rows, notes))

    def write_columns(self, n: int, columns: dict[str, list], notes: list[str] | None = None) -> None:
        """Append `n` rows given as columns (see `encode_columns`) as one chunk, like `write`."""
        if n:
            self._append(encode_columns(n, columns, notes))

    def write_encoded(self, data: bytes) -> None:
        """Append one chunk line made by `encode_chunk`/`encode_columns` (e.g. in another process)."""
        if not data.endswith(b"\n"):
            raise ValueError("a history chunk line ends in a newline")
        self._append(data)

    def _append(self, data: bytes) -> None:
        if self._f is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._f = open(self.path, "ab", buffering=0)
            self._repair_tail()
        # The end of the file, not tell(): after a short write and a truncate the file offset
        # lies past the end, and truncating "back" to it would pad the file with NUL bytes.
        pos = self._f.seek(0, os.SEEK_END)
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
                self._f.seek(pos)
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
