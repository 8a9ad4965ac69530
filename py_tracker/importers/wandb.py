"""W&B offline runs: the `.wandb` transaction log of `wandb/offline-run-*` and `wandb/run-*`.

A `.wandb` file is a LevelDB-style log (32 KiB blocks of records `crc32 | length | type |
data`, FULL or FIRST/MIDDLE/LAST fragments) after a 7-byte header `:W&B`, magic 0xBEE1,
version; each record is a `wandb.proto.wandb_internal_pb2.Record` protobuf. The wandb
package stopped shipping its Python reader of the framing (`wandb.sdk.internal.datastore`
is gone in 0.2x+, the Go core reads the log now), so `LogReader` reads the framing with
the same checks (CRC of type and data, fragment order) and W&B's own protobufs decode
every record. A damaged block is skipped to the next 32 KiB boundary and reported; a
torn end (a run killed while writing) imports everything before it. History and summary
records are decoded in batches (`RecordBatches`); a big log is split into block ranges read
by several processes (`LogReader(lo, hi)`, `_decode_in_parallel`) with the same result.

Mapping: run record → name, project, config, tags, group, job type, notes, host, start
time; history → rows (nested keys dotted, `_step`/`_runtime`/`_timestamp` kept);
summary → summary; stats → system samples (`system.<key>`); output records →
files/output.log; the run folder's files/ → files/; exit → state and runtime (no exit
record: the run never ended, state "crashed").
"""
from __future__ import annotations

import json
import os
import struct
import zlib
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from ..errors import UsageError
from ..storage.history import encode_chunk, encode_columns
from .base import (Source, SourceRun, StagedRun, map_file, missing_reader, newest_of_columns, newest_of_rows,
                   proto_views)

BLOCK = 32768
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
MAGIC = 0xBEE1
_RECORD_HEADER = struct.Struct("<IHB")  # checksum, length, type
_CRC = [zlib.crc32(bytes([t])) & 0xFFFFFFFF for t in range(5)]
_BATCH = 20_000  # history records decoded per batch (one protobuf and one JSON parse for all)
_SUMMARY_BATCH = 50_000  # summary records folded per batch (one protobuf parse for all)
_VALUE = b"\x82\x01"  # the tag of HistoryItem/SummaryItem.value_json (field 16, bytes)
# Between two history records of a batch: `Record.history { item: b"\xff" }`. b"\xff" can be
# no HistoryItem W&B wrote (field 31 with wire type 7 does not exist), so in the items of the
# batch's one merged HistoryRecord it marks where each record's items end.
_MARK = b"\xff"
_SEP = b"\x12\x03\x0a\x01\xff"
_PARALLEL_BYTES = 64 << 20  # logs at least this big are decoded by several processes
_RANGE_BYTES = 16 << 20  # and each process gets at least this many bytes of the log
_WORKERS = 0  # processes for a big log: 0 = one per CPU this process may use, at most 8
_SUMMARY_SEP = b"\x1a\x03\x0a\x01\xff"  # the same after each summary record: `Record.summary { update: b"\xff" }`
# After each history record of a batch read as columns: `Record.history { item { nested_key: b"\xff" } }`.
_COLUMN_SEP = b"\x12\x05\x0a\x03\x12\x01\xff"


def _installed() -> None:
    """Raise the error naming the `import` extra when wandb cannot be imported (without
    importing it: a big log's reader processes start before this process imports wandb)."""
    import importlib.util
    try:
        found = importlib.util.find_spec("wandb") is not None
    except (ImportError, ValueError) as exc:
        raise missing_reader("W&B runs", "wandb", ImportError(str(exc))) from None
    if not found:
        raise missing_reader("W&B runs", "wandb", ImportError("No module named 'wandb'")) from None


def _pb() -> Any:
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError as exc:
        raise missing_reader("W&B runs", "wandb", exc) from None
    return wandb_internal_pb2


class LogReader:
    """Yields the records (bytes) of a `.wandb` log; `problems` says what was unreadable.

    `lo`/`hi` (multiples of the 32 KiB block) read one range of the file, for decoding
    ranges in parallel: the records that begin in [lo, hi). Fragments at `lo` that continue
    a record begun before are skipped (the range before finishes that record, reading on past
    its `hi`); what is damaged in a block is reported by the range that holds the block, so
    the ranges together read and report exactly what one reader of the whole file does.
    """

    def __init__(self, path: Path, lo: int = 0, hi: int | None = None):
        if lo % BLOCK or (hi is not None and hi % BLOCK):
            raise ValueError(f"a log range starts and ends on a {BLOCK}-byte block boundary, not {lo}..{hi}")
        self.path = path
        self.lo, self.hi = lo, hi
        self.problems: list[str] = []
        self._sorted_into: RecordBatches | None = None

    def sort_into(self, batch: "RecordBatches") -> Iterator[bytes]:
        """The records, as `iter(self)` reads them, with the plain history and summary records
        put straight into `batch` (flushed when full) instead of yielded; the rest is yielded.

        W&B writes three records per logged row, nearly all of them whole (FULL) history and
        summary records: `_sort_whole_records` reads a run of those in one tight loop (no
        generator step, no second pass to sort them). Anything else (a fragment, a bad checksum,
        a torn end, a record of another kind, the fragments a range skips or finishes) stops that
        loop where it is and is read by the checks of `__iter__`, so what is read and reported is
        the same (tests/importers/test_wandb.py compares the two on damaged logs).
        """
        self._sorted_into = batch
        try:
            yield from self
        finally:
            self._sorted_into = None

    def _sort_whole_records(self, data: Any, pos: int, own: int, end: int, batch: "RecordBatches") -> int:
        """From `pos` (before `own`, the end of this reader's own blocks; no record pending), take
        FULL history and summary records with good checksums into `batch`; return where the first
        record that is anything else begins (or `own`, when the loop got there)."""
        unpack = _RECORD_HEADER.unpack_from
        crc32 = zlib.crc32
        crc_full = _CRC[FULL]
        hist, summ = batch.history, batch.summary
        hist_max, summ_max = _BATCH, _SUMMARY_BATCH
        while pos < own:
            left = BLOCK - pos % BLOCK
            if left < HEADER or pos + HEADER > end:
                break
            checksum, length, kind = unpack(data, pos)
            start = pos + HEADER
            stop = start + length
            if kind != FULL or length < 6 or length > left - HEADER or stop > end:
                break
            chunk = data[start:stop]
            if crc32(chunk, crc_full) != checksum:
                break
            # the kind, told as `_scan` tells it: the tag after `num` (1), if the record has one
            c = chunk[0]
            if c == 8:
                c = chunk[2] if chunk[1] < 128 else chunk[3] if chunk[2] < 128 else chunk[4] if chunk[3] < 128 \
                    else chunk[5] if chunk[4] < 128 else 0
            if c == 0x12:
                hist.append(chunk)
                if len(hist) >= hist_max:
                    batch.flush_history()
                    hist = batch.history
            elif c == 0x1A:
                summ.append(chunk)
                if len(summ) >= summ_max:
                    batch.flush_summary()
                    summ = batch.summary
            else:
                break
            pos = stop
        return pos

    def __iter__(self) -> Iterator[bytes]:
        data = map_file(self.path)
        end = len(data)
        if self.lo == 0:
            if len(data) < HEADER:
                self.problems.append(f"{self.path.name} is {len(data)} bytes long: no W&B header")
                return
            ident, magic, _version = struct.unpack_from("<4sHB", data, 0)
            if ident != b":W&B" or magic != MAGIC:
                self.problems.append(f"{self.path.name} does not start with the W&B log header")
                return
            pos = HEADER
        else:
            pos = self.lo
        own = end if self.hi is None else min(self.hi, end)  # the blocks this reader reports on
        leading = self.lo > 0  # still skipping fragments of a record begun before `lo`
        parts: list[bytes] | None = None
        unpack = _RECORD_HEADER.unpack_from
        crc32 = zlib.crc32
        crcs = _CRC
        sorted_into, fast = self._sorted_into, self._sort_whole_records
        while pos < end:
            if sorted_into is not None and parts is None and not leading and pos < own:
                taken = fast(data, pos, own, end, sorted_into)
                if taken != pos:
                    pos = taken
                    continue
            # Past `own` (the next range's blocks) this reader goes on up to the first fragment
            # that begins a record: it finishes its last record there, or reports what does not
            # belong to any (as one reader would); the next range skips those same fragments.
            past = pos >= own
            left = BLOCK - pos % BLOCK
            if left < HEADER:  # block trailer: zero padding
                pos += left
                continue
            if pos + HEADER > end:
                if not past:  # (else the next range reports it)
                    self.problems.append(f"{self.path.name}: the log ends in a torn record at byte {pos} "
                                         f"({end - pos} bytes unreadable)")
                return
            checksum, length, kind = unpack(data, pos)
            if kind == 0 and length == 0 and checksum == 0:  # preallocated / padding
                pos += left
                continue
            start = pos + HEADER
            stop = start + length
            if kind not in (FULL, FIRST, MIDDLE, LAST) or length > left - HEADER:
                if past:
                    return
                pos = self._skip(pos, end, "a damaged record header")
                parts = None
                leading = False
                continue
            if stop > end:
                if not past:
                    self.problems.append(f"{self.path.name}: the log ends in a torn record at byte {pos} "
                                         f"({end - pos} bytes unreadable)")
                return
            chunk = data[start:stop]
            if crc32(chunk, crcs[kind]) & 0xFFFFFFFF != checksum:
                if past:
                    return
                pos = self._skip(pos, end, "a record whose checksum does not match")
                parts = None
                leading = False
                continue
            if past and kind in (FULL, FIRST):  # the next range's first record
                if parts is not None and kind == FULL:  # ours never got its end: what one reader says
                    self.problems.append(f"{self.path.name}: an unfinished record before byte {pos} was dropped")
                return
            pos = stop
            if leading:
                if kind in (MIDDLE, LAST):
                    continue  # the end of a record begun in the range before: read there
                leading = False
            if kind == FULL:
                if parts is not None:
                    self.problems.append(f"{self.path.name}: an unfinished record before byte {start - HEADER} "
                                         f"was dropped")
                    parts = None
                yield chunk
            elif kind == FIRST:
                parts = [chunk]
            elif parts is None:
                self.problems.append(f"{self.path.name}: a record fragment at byte {start - HEADER} has "
                                     f"no beginning; dropped")
            elif kind == MIDDLE:
                parts.append(chunk)
            else:
                parts.append(chunk)
                yield b"".join(parts)
                parts = None

    def _skip(self, pos: int, end: int, what: str) -> int:
        nxt = min(end, pos + (BLOCK - pos % BLOCK))
        self.problems.append(f"{self.path.name}: {what} at byte {pos}; skipped {nxt - pos} bytes to the next block")
        return nxt


def _key(item: Any) -> str:
    return item.key or ".".join(item.nested_key)


def _loads(text: str | bytes) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # NaN / Infinity, which W&B writes for non-finite floats


def _loads_many(texts: list[bytes]) -> list[Any]:
    try:
        return orjson.loads(b"[" + b",".join(texts) + b"]")
    except orjson.JSONDecodeError:
        return [_loads(t) for t in texts]


def _set_nested(target: dict, key: str | None, nested: Any, value: Any) -> None:
    if key:
        target[key] = value
        return
    parts = list(nested)
    d = target
    for p in parts[:-1]:
        nxt = d.get(p)
        if not isinstance(nxt, dict):
            nxt = d[p] = {}
        d = nxt
    d[parts[-1]] = value


def _del_nested(target: dict, key: str | None, nested: Any) -> None:
    parts = [key] if key else list(nested)
    d = target
    for p in parts[:-1]:
        d = d.get(p)
        if not isinstance(d, dict):
            return
    d.pop(parts[-1], None)


def _view_class() -> Any:
    """A structural view of `Record` that keeps history and summary items as raw bytes.

    Reading each item through protobuf objects costs microseconds per field; W&B writes
    a history record and two summary records per logged row, a dozen items in all. The
    view (its own descriptor pool, field numbers as in wandb_internal.proto: Record.history
    = 2, Record.summary = 3, HistoryRecord.item = 1 / step = 2, SummaryRecord.update = 1 /
    remove = 2) lets the C parser hand over the items' bytes, which `ItemSplitter` splits.
    """
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto as F
    B, M = F.TYPE_BYTES, F.TYPE_MESSAGE
    (record,) = proto_views("py_tracker_wandb_view", {
        "Step": [("num", 1, F.TYPE_INT64, False, None)],
        "History": [("item", 1, B, True, None), ("step", 2, M, False, "Step")],
        "Summary": [("update", 1, B, True, None), ("remove", 2, B, True, None)],
        "Record": [("history", 2, M, False, "History"), ("summary", 3, M, False, "Summary")],
    }, "Record")
    return record


def _history_columns_class() -> Any:
    """A view of `Record` that reads a batch of history records as columns in one parse.

    The records of a batch are joined, each followed by `_COLUMN_SEP`, and parsed as ONE
    message: `history` (2) and its `item` (1) are singular messages here, so protobuf merges
    every item of every record into one `ItemColumns`, whose fields (key 1, nested_key 2,
    value_json 16) are repeated: the C parser hands over every item's key and JSON as two
    lists. (The typed values 3-8 are declared with their own wire types, repeated, only so
    that parsing them costs no unknown-field bookkeeping.) `_COLUMN_SEP` adds the nested key b"\\xff"
    (no W&B key: not UTF-8) after each record's items, which marks where the records end.
    """
    from google.protobuf.descriptor_pb2 import FieldDescriptorProto as F
    B, M = F.TYPE_BYTES, F.TYPE_MESSAGE
    typed = [("none", 3, F.TYPE_INT32), ("boolean", 4, F.TYPE_BOOL), ("integer", 5, F.TYPE_SINT64),
             ("number", 6, F.TYPE_DOUBLE), ("text", 7, B), ("json", 8, B)]
    (record,) = proto_views("py_tracker_wandb_columns", {
        "ItemColumns": [("key", 1, B, True, None), ("nested_key", 2, B, True, None),
                        ("value_json", 16, B, True, None), *((n, k, t, True, None) for n, k, t in typed)],
        "HistoryColumns": [("item", 1, M, False, "ItemColumns")],
        "Record": [("history", 2, M, False, "HistoryColumns")],
    }, "Record")
    return record


class ItemSplitter:
    """Splits the bytes of a W&B `HistoryItem`/`SummaryItem` into (key path, JSON bytes).

    An item is `key (1) | nested_key (2)... | value_json (16)`, fields in number order, so
    it is a key part, the tag of field 16 (bytes 0x82 0x01), a length and the JSON. The
    key part is decoded by W&B's own `HistoryItem` protobuf, once per distinct key; the
    split is accepted only when that decode succeeds without a value and the length
    matches the rest exactly. Anything else is parsed whole by the protobuf.
    """

    def __init__(self, pb: Any):
        self.item_cls = pb.HistoryItem
        self.keys: dict[bytes, tuple[str, tuple[str, ...]] | None] = {}

    def _key_of(self, part: bytes) -> tuple[str, tuple[str, ...]] | None:
        try:
            it = self.item_cls.FromString(part)
        except Exception:
            return None
        if it.value_json or (not it.key and not it.nested_key):
            return None
        path = (it.key,) if it.key else tuple(it.nested_key)
        return ".".join(path), path

    def _known_key(self, part: bytes) -> tuple[str, tuple[str, ...]] | None:
        """`_key_of(part)`, decoded once per distinct key part (a run repeats a few keys)."""
        try:
            return self.keys[part]
        except KeyError:
            key = self.keys[part] = self._key_of(part)
            return key

    def key_part(self, b: bytes) -> Any:
        """The item's key path (a tuple), read from the bytes before its value: decoded once
        per distinct key part, and by a whole-item parse when the split does not hold."""
        i = b.find(b"\x82\x01")
        if i > 0:
            key = self._known_key(b[:i])
            if key is not None:
                return key[1]
        it = self.item_cls.FromString(b)
        return (it.key,) if it.key or not it.nested_key else tuple(it.nested_key)

    def split(self, b: bytes) -> tuple[str, tuple[str, ...], bytes]:
        i = b.find(b"\x82\x01")
        if i > 0:
            key = self._known_key(b[:i])
            if key is not None and i + 2 < len(b):
                n = b[i + 2]
                if n < 0x80:
                    if len(b) == i + 3 + n:
                        return key[0], key[1], b[i + 3:]
                elif i + 3 < len(b) and b[i + 3] < 0x80 and len(b) == i + 4 + ((n & 0x7F) | (b[i + 3] << 7)):
                    return key[0], key[1], b[i + 4:]
        it = self.item_cls.FromString(b)
        path = (it.key,) if it.key or not it.nested_key else tuple(it.nested_key)
        return ".".join(path), path, it.value_json.encode()


class WandbSource(Source):
    """W&B offline run folders (`offline-run-*`, `run-*`), or a `wandb/` folder holding them."""

    kind = "wandb"

    def __init__(self) -> None:
        _installed()
        self._pb: Any = None

    @property
    def pb(self) -> Any:
        """W&B's protobuf module, imported when first needed: `import wandb` imports its whole
        SDK (0.6 CPU-s), which for a big log runs while the reader processes work."""
        if self._pb is None:
            self._pb = _pb()
        return self._pb

    def find(self, path: Path) -> Iterator[SourceRun | tuple[str, str]]:
        candidates: list[Path] = []
        if path.is_file() and path.suffix == ".wandb":
            candidates = [path.parent]
        elif any(path.glob("*.wandb")):
            candidates = [path]
        else:
            for base in (path, path / "wandb"):
                if base.is_dir():
                    candidates += sorted(d for d in base.iterdir() if d.is_dir() and not d.is_symlink()
                                         and (d.name.startswith("offline-run-") or d.name.startswith("run-")))
        found = 0
        for d in candidates:
            logs = sorted(d.glob("*.wandb"))
            if not logs:
                yield (str(d), "no .wandb transaction log in this folder")
                continue
            found += 1
            log_file = logs[0]
            native = log_file.stem[4:] if log_file.stem.startswith("run-") else None
            yield SourceRun(source_id=d.name, label=d.name, location=d, native_id=native,
                            extra={"log": log_file})
        if not found:
            raise UsageError(f"py-tracker import wandb: no W&B run folders (offline-run-*/run-* with a "
                             f".wandb file) in {str(path)!r}; give a wandb/ folder or one run folder")

    def read(self, item: SourceRun, run: StagedRun) -> None:
        log: Path = item.extra["log"]
        rec = run.record
        config: dict = {}
        output: list[str] = []
        start: float | None = None
        exit_rec: Any = None
        others: list[bytes] = []  # the records that are neither history nor summary, in order
        ranges = _ranges(log.stat().st_size)
        problems: list[str] = []
        if len(ranges) == 1:
            pb = self.pb
            reader = LogReader(log)
            batch = RecordBatches(pb, run)
            _scan(reader, batch, others)
            bad, summary_items, splitter = batch.bad, batch.summary_items, batch.splitter
            problems = reader.problems
        else:
            parts = _decode_in_parallel(log, ranges, meanwhile=lambda: self.pb)
            pb = self.pb
            bad, summary_items, splitter = 0, {}, ItemSplitter(pb)
            for part in parts:
                for n, data, last_step, last_values in part["chunks"]:
                    run.add_encoded(n, data, last_step, last_values)
                for k, b in part["summary"].items():  # later ranges hold the newer items
                    summary_items[k] = b
                others.extend(part["others"])
                bad += part["bad"]
                problems.extend(part["problems"])
        parse = pb.Record.FromString  # a new message per record (upb re-parses a reused one ~4x slower)
        for raw in others:
            try:
                record = parse(raw)
            except Exception:
                bad += 1
                continue
            kind = record.WhichOneof("record_type")
            if kind == "run":
                r = record.run
                start = r.start_time.seconds + r.start_time.nanos / 1e9 if r.HasField("start_time") else None
                for it in r.config.update:
                    _set_nested(config, it.key, it.nested_key, _loads(it.value_json))
                for field, attr in (("name", "display_name"), ("group", "run_group"), ("job_type", "job_type"),
                                    ("notes", "notes"), ("host", "host")):
                    value = getattr(r, attr)
                    if value:
                        rec[field] = value
                if r.tags:
                    rec["tags"] = list(r.tags)
                if r.project:
                    item.project = r.project
                rec["imported"]["run_id"] = r.run_id
                if not r.display_name and r.run_id:
                    rec["name"] = r.run_id  # W&B shows an unnamed run by its id
                if start is not None:
                    rec["created_at"] = start
            elif kind == "config":
                for it in record.config.update:
                    _set_nested(config, it.key, it.nested_key, _loads(it.value_json))
                for it in record.config.remove:
                    _del_nested(config, it.key, it.nested_key)
            elif kind == "stats":
                s = record.stats
                ts = s.timestamp.seconds + s.timestamp.nanos / 1e9
                row = {f"system.{it.key}": _loads(it.value_json) for it in s.item}
                row["_timestamp"] = ts
                row["_runtime"] = ts - start if start is not None else 0.0
                run.add_system(row)
            elif kind in ("output_raw", "output"):
                output.append(getattr(record, kind).line)
            elif kind == "exit":
                exit_rec = record.exit
        if bad:
            run.problem(f"{bad} record(s) of {log.name} could not be decoded")
        for text in problems:
            run.problem(text)
        summary: dict = {}
        for k, b in summary_items.items():
            if b is None:
                _del_nested(summary, None, k)
            else:
                _, path, text = splitter.split(b)
                _set_nested(summary, None, path, _loads(text))
        config.pop("_wandb", None)
        summary.pop("_wandb", None)
        rec["config"] = config
        rec["summary"] = summary or {}
        if item.project:
            rec["project"] = item.project
        files = item.location / "files"
        if files.is_dir():
            run.copy_tree(files, skip=("output.log",) if output else ())
        if output:
            run.write_file("output.log", "".join(output).encode("utf-8", "replace"))
        runtime = float(exit_rec.runtime) if exit_rec is not None else max(
            float(run.last_values.get("_runtime") or 0.0), 0.0)
        rec["runtime"] = runtime
        if start is not None:
            rec["updated_at"] = start + runtime
        if exit_rec is not None:
            rec["exit_code"] = int(exit_rec.exit_code)
            rec["state"] = "finished" if exit_rec.exit_code == 0 else "failed"
            rec["finished_at"] = (start or rec["created_at"]) + runtime
        else:
            rec["state"] = "crashed"
            rec["exit_code"] = None
            run.problem("the log has no exit record (the run was killed or is still running): "
                        "imported as crashed")


class RecordBatches:
    """Decodes a run's history and summary records in batches (they are nearly all its records).

    History: the records of a batch are joined with `_SEP` and parsed as one `Record` view
    (protobuf merges the repeated items), so the C parser hands over every item's bytes in
    one call and `_MARK` shows where each record ends; values are decoded with one JSON
    parse; when every row of the batch has the same keys (the common case) the columns are
    slices of that one list and go to `StagedRun.add_columns` as they are. Summary: only
    each key's newest item is kept (summary records only ever update or remove keys), the
    records of a batch parsed as one. A batch the joined parse cannot settle (a damaged
    record, a row without `_step`, a summary record that removes keys) is decoded record
    by record, so nothing is read differently; `bad` counts records that cannot be parsed.
    """

    def __init__(self, pb: Any, run: StagedRun):
        self.run = run
        self.splitter = ItemSplitter(pb)
        self.item_cls = pb.SummaryItem
        self.record_cls = pb.Record  # for telling the kind of the other records
        # The view classes; a batch is parsed into a new message each time: upb keeps what a
        # message's parses allocate until the message goes, so one reused message grows by
        # every batch (876 MB resident and a second of page faults per 1M-row log half).
        self._view_cls = _view_class()
        self._columns_cls = _history_columns_class()
        self.history: list[bytes] = []
        self.summary: list[bytes] = []
        self.summary_items: dict[Any, bytes | None] = {}  # key path -> newest item bytes (None: removed)
        self.bad = 0

    # --- parsing -----------------------------------------------------------------------
    def _parse_batch(self, raws: list[bytes], sep: bytes, one_by_one: Callable[[list[bytes]], None]) -> Any:
        """The records `raws`, each followed by `sep`, parsed as one Record view (protobuf
        merges their repeated items); None when there are none or the joined parse fails, in
        which case `one_by_one` has decoded them record by record already."""
        if not raws:
            return None
        view = self._view_cls()
        try:
            view.ParseFromString(sep.join(raws) + sep)
        except Exception:
            one_by_one(raws)
            return None
        return view

    def _parse_each(self, raws: list[bytes]) -> Iterator[Any]:
        """Each record of `raws` parsed alone, as a Record view; a record that cannot be parsed
        is counted in `bad` and skipped."""
        parse = self._view_cls.FromString
        for raw in raws:
            try:
                one = parse(raw)
            except Exception:
                self.bad += 1
                continue
            yield one

    # --- history ---------------------------------------------------------------------
    def flush_history(self) -> None:
        raws, self.history = self.history, []
        if raws and self._history_as_columns(raws):
            return
        view = self._parse_batch(raws, _SEP, self._history_one_by_one)
        if view is None:
            return
        keys: list[str] = []
        texts: list[bytes] = []
        ends: list[int] = []
        add_key, add_text, add_end = keys.append, texts.append, ends.append
        known = self.splitter.keys
        split = self.splitter.split
        for b in view.history.item:
            # ItemSplitter.split's common case, inlined (this runs once per logged value)
            i = b.find(_VALUE)
            key = known.get(b[:i]) if i > 0 else None
            if key is not None and i + 2 < len(b):
                n = b[i + 2]
                if n < 0x80 and len(b) == i + 3 + n:
                    add_key(key[0])
                    add_text(b[i + 3:])
                    continue
            if b == _MARK:
                add_end(len(keys))
                continue
            k, _, text = split(b)
            add_key(k)
            add_text(text)
        n_rows = len(ends)
        if n_rows != len(raws):  # cannot happen with W&B's items; decode each record instead
            self._history_one_by_one(raws)
            return
        values = _loads_many(texts)
        columns = self._columns(keys, values, ends)
        if columns is not None:
            self.run.add_columns(n_rows, columns)
            return
        rows = []
        lo = 0
        for hi in ends:
            rows.append(dict(zip(keys[lo:hi], values[lo:hi])))
            lo = hi
        if any("_step" not in r for r in rows):  # the record's own step number, as W&B keeps it
            self._history_one_by_one(raws)
            return
        self.run.add_rows(rows)

    def _history_as_columns(self, raws: list[bytes]) -> bool:
        """The batch read through `_history_columns_class` in one parse, when its lists show
        that every record has the same number w of items, each with exactly one nested key
        and one `value_json` (what W&B writes for a row of plain keys); False otherwise,
        having added nothing (the batch is then read item by item).

        Why the lists line up: with no `key` present, every item has at least one nested key
        and at most one value_json; n records of w items give n * w value_jsons, and the end
        marks sit at every (w+1)-th nested key and nowhere else, so each item has exactly one
        nested key and one value_json, and the records w items each. The typed values W&B
        writes beside the JSON with `x_history_value_encoding="json,typed"` say the same as
        the JSON and are not read; an item with a typed value only (W&B refuses to write
        those) has no JSON and fails the count.
        """
        n = len(raws)
        view = self._columns_cls()
        try:
            view.ParseFromString(_COLUMN_SEP.join(raws) + _COLUMN_SEP)
        except Exception:
            return False
        items = view.history.item
        nested, texts = items.nested_key, items.value_json
        if len(items.key):
            return False
        total = len(nested)
        width = total // n - 1
        if width < 1 or total != n * (width + 1) or len(texts) != n * width:
            return False
        nested = list(nested)
        if nested.count(_MARK) != n or nested[width::width + 1].count(_MARK) != n:
            return False
        del nested[width::width + 1]
        try:
            names = {b: b.decode() for b in set(nested)}
        except UnicodeDecodeError:
            return False
        keys = list(map(names.__getitem__, nested))
        values = _loads_many(list(texts))
        columns = self._columns(keys, values, list(range(width, width * n + 1, width)))
        if columns is None:
            return False
        self.run.add_columns(n, columns)
        return True

    @staticmethod
    def _columns(keys: list[str], values: list[Any], ends: list[int]) -> dict[str, list] | None:
        """The batch as columns when every row has the same keys (W&B writes them in varying
        order), each once and `_step` among them; else None (the rows are built one by one)."""
        import numpy as np
        n_rows = len(ends)
        width = ends[0] if ends else 0
        if not width or len(keys) != width * n_rows or ends != list(range(width, width * n_rows + 1, width)):
            return None
        names = list(dict.fromkeys(keys[:width]))
        if len(names) != width or "_step" not in names:
            return None
        index = {k: i for i, k in enumerate(names)}
        try:
            codes = np.fromiter(map(index.__getitem__, keys), dtype=np.int32, count=len(keys))
        except KeyError:  # a key the first row does not have
            return None
        codes = codes.reshape(n_rows, width)
        cells = np.fromiter(values, dtype=object, count=len(values)).reshape(n_rows, width)
        columns: dict[str, list] = {}
        for i, k in enumerate(names):
            where = codes == i
            if not bool((where.sum(axis=1) == 1).all()):  # some row lacks it (or has it twice)
                return None
            columns[k] = cells[where].tolist()  # row-major: one value per row, in row order
        return columns

    def _history_one_by_one(self, raws: list[bytes]) -> None:
        rows = []
        for one in self._parse_each(raws):
            h = one.history
            keys, texts = [], []
            for b in h.item:
                k, _, text = self.splitter.split(b)
                keys.append(k)
                texts.append(text)
            row = dict(zip(keys, _loads_many(texts)))
            if "_step" not in row:
                row["_step"] = h.step.num
            rows.append(row)
        self.run.add_rows(rows)

    # --- summary ---------------------------------------------------------------------
    def flush_summary(self) -> None:
        raws, self.summary = self.summary, []
        view = self._parse_batch(raws, _SUMMARY_SEP, self._summary_one_by_one)
        if view is None:
            return
        sm = view.summary
        items = list(sm.update)
        # removals must be applied in order with the updates; a marker count that is off means
        # some record's bytes ran into the next one: either way, decode each record alone
        if len(sm.remove) or items.count(_MARK) != len(raws):
            self._summary_one_by_one(raws)
            return
        # the newest item of each key part (the bytes before the value tag; an item without
        # one is keyed by all of itself), in C: partition, then a dict keeps each key's last
        last = dict(zip(map(itemgetter(0), map(bytes.partition, items, repeat(_VALUE))), range(len(items))))
        last.pop(_MARK, None)
        key_of = self.splitter.key_part
        out = self.summary_items
        for n in sorted(last.values()):  # oldest first: two key parts naming one key, newest wins
            b = items[n]
            out[key_of(b)] = b

    def _summary_one_by_one(self, raws: list[bytes]) -> None:
        key_of = self.splitter.key_part
        out = self.summary_items
        for one in self._parse_each(raws):
            sm = one.summary
            for b in sm.update:
                out[key_of(b)] = b
            for b in sm.remove:
                it = self.item_cls.FromString(b)
                out[(it.key,) if it.key else tuple(it.nested_key)] = None


def _ranges(size: int, workers: int | None = None) -> list[tuple[int, int | None]]:
    """Block-aligned byte ranges of a log of `size` bytes, one per process: [(0, None)] (one
    reader) below `_PARALLEL_BYTES` or on one CPU; the last range is open-ended."""
    cpus = workers or _WORKERS or min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                      else (os.cpu_count() or 1))
    n = min(cpus, size // _RANGE_BYTES) if size >= _PARALLEL_BYTES else 1
    if n <= 1:
        return [(0, None)]
    blocks = -(-size // BLOCK)
    cuts = [round(blocks * i / n) * BLOCK for i in range(n + 1)]
    return [(lo, hi if i < n - 1 else None) for i, (lo, hi) in enumerate(zip(cuts, cuts[1:]))]


def _decode_in_parallel(log: Path, ranges: list[tuple[int, int | None]],
                        meanwhile: Callable[[], Any] | None = None) -> list[dict]:
    """`_decode_range` of every range (`meanwhile()` is called while they run), each in a
    fresh interpreter (`python -m py_tracker.importers.wandb`, not multiprocessing: that
    would run the caller's script again in every worker), results handed back as pickles in a private temp folder, in file
    order. A worker that fails raises RuntimeError with its error output."""
    import pickle
    import subprocess
    import sys
    import tempfile

    from ..settings import child_env, env_text
    pkg_root = str(Path(__file__).resolve().parents[2])  # where this py_tracker is imported from
    env = child_env(PYTHONPATH=os.pathsep.join(p for p in (pkg_root, env_text("PYTHONPATH")) if p))
    with tempfile.TemporaryDirectory(prefix="py_tracker-wandb-") as tmp:
        procs = []
        try:
            for i, (lo, hi) in enumerate(ranges):
                out, err = Path(tmp) / f"{i}.pickle", Path(tmp) / f"{i}.err"
                with open(err, "wb") as err_f:
                    procs.append((subprocess.Popen(
                        [sys.executable, "-m", "py_tracker.importers.wandb", str(log), str(lo),
                         "" if hi is None else str(hi), str(_BATCH), str(_SUMMARY_BATCH), str(out)],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err_f, env=env), out, err))
            if meanwhile is not None:
                meanwhile()
            results = []
            for proc, out, err in procs:
                if proc.wait() != 0:
                    raise RuntimeError(f"a reader process of {log.name} failed ({proc.returncode}): "
                                       + err.read_text(errors="replace")[-2000:])
                with open(out, "rb") as f:
                    results.append(pickle.load(f))  # our own worker's output, in our private folder
            return results
        finally:
            for proc, _, _ in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()


def _decode_range(log: str, lo: int, hi: int | None, batch_rows: int = _BATCH,
                  summary_batch: int = _SUMMARY_BATCH) -> dict:
    """One range of a log decoded in a worker process: its history as encoded chunks (what
    `StagedRun.add_encoded` writes), its summary items, its other records (raw, in order),
    the count of undecodable records and what was unreadable."""
    global _BATCH, _SUMMARY_BATCH
    _BATCH, _SUMMARY_BATCH = batch_rows, summary_batch  # the parent's settings
    reader = LogReader(Path(log), lo, hi)
    sink = EncodedChunks()
    batch = RecordBatches(_pb(), sink)  # type: ignore[arg-type]
    others: list[bytes] = []
    _scan(reader, batch, others)
    return {"chunks": sink.chunks, "summary": batch.summary_items, "others": others, "bad": batch.bad,
            "problems": reader.problems}


def _scan(reader: LogReader, batch: "RecordBatches", others: list[bytes]) -> None:
    """Sort a log's records: history and summary records into `batch` (decoded in batches),
    every other record into `others`, in order. (Whole history and summary records with plain
    first bytes are put into `batch` by `LogReader.sort_into` itself; this sorts the rest.)

    History and summary records (three per logged row) are told by the tag after `num`
    (fields are written in number order: num = 1, history = 2, summary = 3); any other
    record is parsed whole to tell its kind (a history record in another field order is
    batched all the same). Records that cannot be parsed are counted in `batch.bad`.
    """
    probe = batch.record_cls.FromString
    for raw in reader.sort_into(batch):  # (the plain history and summary records go in directly)
        hist, summ = batch.history, batch.summary
        try:
            if raw[0] == 8:
                tag = raw[2] if raw[1] < 128 else raw[3] if raw[2] < 128 else raw[4] if raw[3] < 128 \
                    else raw[5] if raw[4] < 128 else 0
            else:
                tag = raw[0]
        except IndexError:
            tag = 0
        if tag != 0x12 and tag != 0x1A:
            try:
                kind = probe(raw).WhichOneof("record_type")
            except Exception:
                batch.bad += 1
                continue
            tag = 0x12 if kind == "history" else 0x1A if kind == "summary" else 0
            if not tag:
                others.append(raw)
                continue
        if tag == 0x12:
            hist.append(raw)
            if len(hist) >= _BATCH:
                batch.flush_history()
        else:
            summ.append(raw)
            if len(summ) >= _SUMMARY_BATCH:
                batch.flush_summary()
    batch.flush_history()
    batch.flush_summary()


class EncodedChunks:
    """Stands in for `StagedRun` in a worker process: history batches as encoded chunk lines
    `(rows, bytes, last step, newest values)`, for the parent to write in order."""

    def __init__(self) -> None:
        self.chunks: list[tuple[int, bytes, int, dict]] = []

    def add_rows(self, rows: list[dict]) -> None:
        if rows:
            self.chunks.append((len(rows), encode_chunk(rows), int(rows[-1]["_step"]), newest_of_rows(rows)))

    def add_columns(self, n: int, columns: dict[str, list]) -> None:
        if n:
            self.chunks.append((n, encode_columns(n, columns), int(columns["_step"][-1]),
                                newest_of_columns(columns)))


def _protobufs_only() -> None:
    """In a reader worker (its own interpreter, which runs nothing else): let `wandb.proto`
    be imported without `wandb/__init__`, which imports the whole SDK (0.9 s of CPU per
    worker, against 0.15 s for the protobufs). The `wandb` entry put in `sys.modules` is a
    bare package over wandb's own folder, so `wandb.proto.*` are W&B's files as installed.
    Never called in a user's process, where `import wandb` must stay the real one."""
    import importlib.util
    import sys
    import types
    if "wandb" in sys.modules:
        return
    spec = importlib.util.find_spec("wandb")
    if spec is None or not spec.submodule_search_locations:
        return  # not installed: _pb() says so
    pkg = types.ModuleType("wandb")
    pkg.__path__ = list(spec.submodule_search_locations)
    sys.modules["wandb"] = pkg


if __name__ == "__main__":  # a worker of _decode_in_parallel: LOG LO HI BATCH SUMMARY_BATCH OUT
    import pickle
    import sys
    _protobufs_only()
    _log, _lo, _hi, _rows, _summ, _out = sys.argv[1:7]
    _result = _decode_range(_log, int(_lo), int(_hi) if _hi else None, int(_rows), int(_summ))
    with open(_out, "wb") as _f:
        pickle.dump(_result, _f, protocol=pickle.HIGHEST_PROTOCOL)
