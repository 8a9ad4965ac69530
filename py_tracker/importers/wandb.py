"""W&B offline runs: the `.wandb` transaction log of `wandb/offline-run-*` and `wandb/run-*`.

A `.wandb` file is a LevelDB-style log (32 KiB blocks of records `crc32 | length | type |
data`, FULL or FIRST/MIDDLE/LAST fragments) after a 7-byte header `:W&B`, magic 0xBEE1,
version; each record is a `wandb.proto.wandb_internal_pb2.Record` protobuf. The wandb
package stopped shipping its Python reader of the framing (`wandb.sdk.internal.datastore`
is gone in 0.2x+, the Go core reads the log now), so `LogReader` reads the framing with
the same checks (CRC of type and data, fragment order) and W&B's own protobufs decode
every record. A damaged block is skipped to the next 32 KiB boundary and reported; a
torn end (a run killed while writing) imports everything before it.

Mapping: run record → name, project, config, tags, group, job type, notes, host, start
time; history → rows (nested keys dotted, `_step`/`_runtime`/`_timestamp` kept);
summary → summary; stats → system samples (`system.<key>`); output records →
files/output.log; the run folder's files/ → files/; exit → state and runtime (no exit
record: the run never ended, state "crashed").
"""
from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path
from typing import Any, Iterator

import orjson

from ..errors import UsageError
from .base import Source, SourceRun, StagedRun, map_file, missing_reader

BLOCK = 32768
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4
MAGIC = 0xBEE1
_CRC = [zlib.crc32(bytes([t])) & 0xFFFFFFFF for t in range(5)]
_BATCH = 20_000  # history records decoded per batch (one JSON parse for all their values)


def _pb() -> Any:
    try:
        from wandb.proto import wandb_internal_pb2
    except ImportError as exc:
        raise missing_reader("W&B runs", "wandb", exc) from None
    return wandb_internal_pb2


class LogReader:
    """Yields the records (bytes) of a `.wandb` log; `problems` says what was unreadable."""

    def __init__(self, path: Path):
        self.path = path
        self.problems: list[str] = []

    def __iter__(self) -> Iterator[bytes]:
        data = map_file(self.path)
        if len(data) < HEADER:
            self.problems.append(f"{self.path.name} is {len(data)} bytes long: no W&B header")
            return
        ident, magic, _version = struct.unpack_from("<4sHB", data, 0)
        if ident != b":W&B" or magic != MAGIC:
            self.problems.append(f"{self.path.name} does not start with the W&B log header")
            return
        pos, end = HEADER, len(data)
        parts: list[bytes] | None = None
        unpack = struct.Struct("<IHB").unpack_from
        crc32 = zlib.crc32
        crcs = _CRC
        while pos < end:
            left = BLOCK - pos % BLOCK
            if left < HEADER:  # block trailer: zero padding
                pos += left
                continue
            if pos + HEADER > end:
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
                pos = self._skip(pos, end, "a damaged record header")
                parts = None
                continue
            if stop > end:
                self.problems.append(f"{self.path.name}: the log ends in a torn record at byte {pos} "
                                     f"({end - pos} bytes unreadable)")
                return
            chunk = data[start:stop]
            if crc32(chunk, crcs[kind]) & 0xFFFFFFFF != checksum:
                pos = self._skip(pos, end, "a record whose checksum does not match")
                parts = None
                continue
            pos = stop
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
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name="py_tracker_wandb_view.proto", package="py_tracker_view",
                                             syntax="proto3")

    def message(name: str, *fields: tuple) -> None:
        m = fdp.message_type.add(name=name)
        for fname, number, ftype, label, tname in fields:
            f = m.field.add(name=fname, number=number, type=ftype, label=label)
            if tname:
                f.type_name = f".py_tracker_view.{tname}"
    message("Step", ("num", 1, F.TYPE_INT64, F.LABEL_OPTIONAL, None))
    message("History", ("item", 1, F.TYPE_BYTES, F.LABEL_REPEATED, None),
            ("step", 2, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, "Step"))
    message("Summary", ("update", 1, F.TYPE_BYTES, F.LABEL_REPEATED, None),
            ("remove", 2, F.TYPE_BYTES, F.LABEL_REPEATED, None))
    message("Record", ("history", 2, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, "History"),
            ("summary", 3, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, "Summary"))
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("py_tracker_view.Record"))


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

    def key_part(self, b: bytes) -> Any:
        """The item's key path (a tuple), read from the bytes before its value: decoded once
        per distinct key part, and by a whole-item parse when the split does not hold."""
        i = b.find(b"\x82\x01")
        if i > 0:
            part = b[:i]
            try:
                key = self.keys[part]
            except KeyError:
                key = self.keys[part] = self._key_of(part)
            if key is not None:
                return key[1]
        it = self.item_cls.FromString(b)
        return (it.key,) if it.key or not it.nested_key else tuple(it.nested_key)

    def split(self, b: bytes) -> tuple[str, tuple[str, ...], bytes]:
        i = b.find(b"\x82\x01")
        if i > 0:
            part = b[:i]
            try:
                key = self.keys[part]
            except KeyError:
                key = self.keys[part] = self._key_of(part)
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
        self.pb = _pb()

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
        pb = self.pb
        reader = LogReader(item.extra["log"])
        rec = run.record
        config: dict = {}
        summary_raw: dict[Any, bytes | None] = {}  # key part (or key path) -> newest item bytes
        output: list[str] = []
        start: float | None = None
        exit_rec: Any = None
        hist: list[tuple[list[bytes], int]] = []  # (item bytes, step) of history records not yet decoded
        record = pb.Record()
        parse = record.ParseFromString
        which = record.WhichOneof
        view = _view_class()()
        vparse = view.ParseFromString
        has = view.HasField
        splitter = ItemSplitter(pb)
        split = splitter.split
        key_of = splitter.key_part
        bad = 0
        for raw in reader:
            try:
                vparse(raw)
            except Exception:
                bad += 1
                continue
            if has("history"):
                h = view.history
                hist.append((list(h.item), h.step.num))
                if len(hist) >= _BATCH:
                    self._rows(hist, splitter, run)
                    hist = []
                continue
            if has("summary"):
                # W&B writes two summary records per logged row: keep each key's newest JSON
                # and decode it once at the end
                sm = view.summary
                for b in sm.update:  # keyed by the item's key part: split once per key at the end
                    summary_raw[key_of(b)] = b
                for b in sm.remove:
                    it = pb.SummaryItem.FromString(b)
                    summary_raw[(it.key,) if it.key else tuple(it.nested_key)] = None
                continue
            try:
                parse(raw)
            except Exception:
                bad += 1
                continue
            kind = which("record_type")
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
                record = pb.Record()
                parse, which = record.ParseFromString, record.WhichOneof
        if hist:
            self._rows(hist, splitter, run)
        if bad:
            run.problem(f"{bad} record(s) of {item.extra['log'].name} could not be decoded")
        for text in reader.problems:
            run.problem(text)
        summary: dict = {}
        for k, b in summary_raw.items():
            if b is None:
                _del_nested(summary, None, k)
            else:
                _, path, text = split(b)
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

    @staticmethod
    def _rows(hist: list[tuple[list[bytes], int]], splitter: ItemSplitter, run: StagedRun) -> None:
        """Decode a batch of history records: one JSON parse for all their values."""
        keys: list[str] = []
        texts: list[bytes] = []
        add_key, add_text = keys.append, texts.append
        known = splitter.keys
        split = splitter.split
        for items, _ in hist:
            for b in items:
                # ItemSplitter.split's common case, inlined (this runs once per logged value)
                i = b.find(b"\x82\x01")
                key = known.get(b[:i]) if i > 0 else None
                if key is not None and i + 2 < len(b):
                    n = b[i + 2]
                    if n < 0x80 and len(b) == i + 3 + n:
                        add_key(key[0])
                        add_text(b[i + 3:])
                        continue
                k, _, text = split(b)
                add_key(k)
                add_text(text)
        values = _loads_many(texts)
        rows = []
        pos = 0
        for items, step in hist:
            n = len(items)
            row = dict(zip(keys[pos:pos + n], values[pos:pos + n]))
            pos += n
            if "_step" not in row:
                row["_step"] = step
            rows.append(row)
        run.add_rows(rows)
