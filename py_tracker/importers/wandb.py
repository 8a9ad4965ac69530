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
from .base import EXTRA_HINT, Source, SourceRun, StagedRun, map_file

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
        raise UsageError(f"importing W&B runs needs the wandb package ({exc}); "
                         f"install it with: {EXTRA_HINT}") from None
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


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)  # NaN / Infinity, which W&B writes for non-finite floats


def _loads_many(texts: list[str]) -> list[Any]:
    try:
        return orjson.loads("[" + ",".join(texts) + "]")
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
        summary_raw: dict[Any, str | None] = {}
        output: list[str] = []
        start: float | None = None
        exit_rec: Any = None
        hist: list[Any] = []
        record = pb.Record()
        parse = record.ParseFromString
        which = record.WhichOneof
        bad = 0
        for raw in reader:
            try:
                parse(raw)
            except Exception:
                bad += 1
                continue
            kind = which("record_type")
            if kind == "history":
                hist.append(record.history)
                record = pb.Record()
                parse, which = record.ParseFromString, record.WhichOneof
                if len(hist) >= _BATCH:
                    self._rows(hist, run)
                    hist = []
            elif kind == "summary":
                # W&B writes a summary record per logged row: keep only each key's newest
                # JSON text and decode it once at the end
                for it in record.summary.update:
                    k = it.key or tuple(it.nested_key)
                    summary_raw[k] = it.value_json
                for it in record.summary.remove:
                    k = it.key or tuple(it.nested_key)
                    summary_raw[k] = None
            elif kind == "run":
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
            self._rows(hist, run)
        if bad:
            run.problem(f"{bad} record(s) of {item.extra['log'].name} could not be decoded")
        for text in reader.problems:
            run.problem(text)
        summary: dict = {}
        for k, text in summary_raw.items():
            key, nested = (k, ()) if isinstance(k, str) else (None, k)
            if text is None:
                _del_nested(summary, key, nested)
            else:
                _set_nested(summary, key, nested, _loads(text))
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
    def _rows(hist: list[Any], run: StagedRun) -> None:
        """Decode a batch of history records: one JSON parse for all their values."""
        keys: list[str] = []
        texts: list[str] = []
        counts: list[int] = []
        cache: dict[Any, str] = {}
        for h in hist:
            items = h.item
            counts.append(len(items))
            for it in items:
                k = it.key
                if not k:
                    nk = tuple(it.nested_key)
                    k = cache.get(nk)
                    if k is None:
                        k = cache[nk] = ".".join(nk)
                keys.append(k)
                texts.append(it.value_json)
        values = _loads_many(texts)
        rows = []
        pos = 0
        for h, n in zip(hist, counts):
            row = dict(zip(keys[pos:pos + n], values[pos:pos + n]))
            pos += n
            if "_step" not in row:
                row["_step"] = h.step.num
            rows.append(row)
        run.add_rows(rows)
