"""What every importer shares: the `Source` contract, the staged run they write, the report.

An import never writes a run in place. `StagedRun` builds the whole run folder
(history, system samples, files, output log) under `<root>/.imports/`, where nothing
looks (not the catalog, the sidebar, `Api()` or `py-tracker doctor`). `commit()` then
moves the folder to `runs/<id>` and only after that records the run in the catalog,
with the same public pieces a live run uses (`core.session.new_record`,
`Catalog.put`/`insert_new`, `storage.history.HistoryWriter`). A process killed
mid-import leaves a staging folder (removed by the next import) or, in the moment
between the move and the catalog write, a run folder holding an `.importing` marker,
which the next import also removes: never a half run in the catalog.

Idempotency: each imported record carries `imported = {"source", "id", "path", "at"}`;
a run whose (source, id) is already in the catalog is skipped.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

import orjson

from ..core.config import Config
from ..core.names import ID_RE, PROJECT_RE
from ..core.run import config_yaml  # the config.yaml a live run writes
from ..core.session import new_record
from ..errors import UsageError
from ..storage.atomic import atomic_write, fsync_dir
from ..storage.catalog import Catalog
from ..storage.history import HistoryWriter
from ..storage.records import RunState, create_run, pid_alive, pid_start

log = logging.getLogger("py_tracker")

STAGING = ".imports"
MARKER = ".importing"
CHUNK_ROWS = 50_000  # rows per history chunk (as a live run writes them)
EXTRA_HINT = "pip install 'py_tracker[import]'"


def missing_reader(what: str, package: str, exc: ImportError) -> UsageError:
    """The error for a source whose reader is not installed: names the package and the extra."""
    return UsageError(f"importing {what} needs the {package} package ({exc}); install it with: {EXTRA_HINT}")
MAX_PROBLEMS = 20  # problems kept per run; the rest are counted


@dataclass
class SourceRun:
    """One run found in a foreign store, not read yet.

    source_id: stable id of the run in its source (the idempotency key).
    label: how the run is named in progress and summary lines.
    location: the folder or file holding it. native_id: the source's own run id, used as
    the py_tracker run id when valid and free. project: its project in the source.
    """

    source_id: str
    label: str
    location: Path
    native_id: str | None = None
    project: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class ImportReport:
    """What one import did: runs made, rows and files written, what was skipped and why,
    and what could not be read (damaged or truncated input)."""

    source: str
    runs: list[str] = field(default_factory=list)
    rows: int = 0
    system_rows: int = 0
    files: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"imported {len(self.runs)} run(s) from {self.source}: {self.rows} history rows, "
                 f"{self.system_rows} system samples, {self.files} files"]
        for what, why in self.skipped:
            lines.append(f"  skipped {what}: {why}")
        for what, why in self.problems:
            lines.append(f"  not fully readable: {what}: {why}")
        return "\n".join(lines)


class Source:
    """A kind of foreign store that can be imported (W&B offline runs, TensorBoard, MLflow).

    Contract for subclasses:
    - `kind`: the name used on the command line and in `imported.source`.
    - `find(path)` yields a `SourceRun` for every run under `path` (cheap: no history read)
      and raises `UsageError` naming the path when it holds nothing of this kind. It may
      yield `(label, reason)` tuples for things it skips.
    - `read(item, run)` streams one run into the `StagedRun`: `run.record` fields (name,
      config, summary, tags, state, times...), `add_row` / `add_system`, `copy_file` /
      `write_file`, and `run.problem(...)` for anything it could not read (it imports
      what is readable and never guesses silently). It must not write the store itself;
      an exception aborts that one run and nothing of it is kept.
    """

    kind = ""

    def find(self, path: Path) -> Iterator[SourceRun | tuple[str, str]]:
        raise NotImplementedError

    def read(self, item: SourceRun, run: "StagedRun") -> None:
        raise NotImplementedError


def clean_project(name: str) -> str:
    """A source's project/experiment name as a valid py_tracker project name."""
    name = str(name or "").strip()
    if PROJECT_RE.match(name) and name not in (".", ".."):
        return name
    fixed = re.sub(r"[/\\#?%:\x00-\x1f]+", "-", name).strip("-")[:128]
    return fixed if fixed and fixed not in (".", "..") else "imported"


def derived_id(kind: str, source_id: str) -> str:
    """A stable 12-character run id for a source run (same input, same id)."""
    return hashlib.sha1(f"{kind}:{source_id}".encode()).hexdigest()[:12]


class StagedRun:
    """An imported run being built off to the side; `commit()` makes it appear whole.

    `record` starts as `new_record(...)` (what a live run starts with) and the importer
    fills it in. Rows go through `HistoryWriter` in chunks of `CHUNK_ROWS`; `on_rows`, when
    set, is called with the run's row count after each chunk is written (the progress bar
    shows it while a big run imports).
    """

    on_rows: Callable[[int], None] | None = None

    def __init__(self, catalog: Catalog, run_id: str, project: str, kind: str, item: SourceRun):
        self.catalog = catalog
        self.layout = catalog.layout
        self.run_id = run_id
        self.item = item
        self.kind = kind
        self.dir = self.layout.root / STAGING / f"{os.getpid()}-{run_id}"
        if self.dir.exists():
            shutil.rmtree(self.dir)
        (self.dir / "files").mkdir(parents=True)
        (self.dir / "owner").write_text(f"{os.getpid()} {pid_start(os.getpid())}")
        self.files_dir = self.dir / "files"
        self.record = new_record(run_id, project)
        self.record.update(host=None, pid=None, pid_start=None, state=RunState.FINISHED.value,
                           imported={"source": kind, "id": item.source_id, "path": str(item.location)})
        self.problems: list[str] = []
        self._more_problems = 0
        self.rows = 0
        self.system_rows = 0
        self.files = 0
        self.last_step = -1
        self.last_values: dict[str, Any] = {}
        self._rows: list[dict] = []
        self._sys: list[dict] = []
        self._history = HistoryWriter(self.dir / "history.jsonl")
        self._system = HistoryWriter(self.dir / "system.jsonl")

    # --- data ------------------------------------------------------------------------
    def add_row(self, row: dict) -> None:
        """One flat history row with `_step` (and `_runtime`, `_timestamp` when known)."""
        self._rows.append(row)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush_rows()

    def add_rows(self, rows: Sequence[dict]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= CHUNK_ROWS:
            self._flush_rows()

    def add_columns(self, n: int, columns: dict[str, list]) -> None:
        """`n` history rows as columns (key -> `n` values, None where a row has no value; `_step`
        in every row), written as one chunk without a dict per row: the bulk path of readers
        that decode whole columns at once."""
        if not n:
            return
        self._flush_rows()  # rows added before stay before
        self._history.write_columns(n, columns)
        self.rows += n
        steps = columns["_step"]
        self.last_step = max(self.last_step, int(steps[-1]))
        self.last_values.update(newest_of_columns(columns))
        if self.on_rows is not None:
            self.on_rows(self.rows)

    def add_encoded(self, n: int, data: bytes, last_step: int, last_values: dict) -> None:
        """`n` history rows already encoded as one chunk line (`storage.history.encode_chunk`
        or `encode_columns`, e.g. by a worker process), with their last step and each key's
        newest value."""
        if not n:
            return
        self._flush_rows()
        self._history.write_encoded(data)
        self.rows += n
        self.last_step = max(self.last_step, int(last_step))
        self.last_values.update(last_values)
        if self.on_rows is not None:
            self.on_rows(self.rows)

    def _flush_rows(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        self._history.write(rows)
        self.rows += len(rows)
        if self.on_rows is not None:
            self.on_rows(self.rows)
        last = rows[-1]
        self.last_step = max(self.last_step, int(last.get("_step", self.last_step)))
        self.last_values.update(newest_of_rows(rows))

    def add_system(self, row: dict) -> None:
        """One system sample: keys `system.*` plus `_timestamp` / `_runtime`."""
        self._sys.append(row)
        if len(self._sys) >= CHUNK_ROWS:
            self._flush_system()

    def _flush_system(self) -> None:
        rows, self._sys = self._sys, []
        if rows:
            self._system.write(rows)
            self.system_rows += len(rows)

    def file_path(self, rel: str) -> Path:
        """Where the run's file `rel` (a relative path under files/) is staged."""
        parts = Path(rel).parts
        if not parts or Path(rel).is_absolute() or ".." in parts:
            raise UsageError(f"refusing file path {rel!r} from the source: it must stay inside the run")
        return self.files_dir.joinpath(*parts)

    def copy_file(self, src: Path, rel: str) -> None:
        dest = self.file_path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
        self.files += 1

    def copy_tree(self, src: Path, rel: str = "", skip: Iterable[str] = ()) -> None:
        """Copy every file under `src`. A symlink to a file (W&B's `save()` makes those) is copied as
        the file it points to; symlinked folders and broken links are reported and left out."""
        skip = set(skip)
        for dirpath, dirnames, filenames in os.walk(src):
            base = Path(dirpath)
            for d in list(dirnames):
                if (base / d).is_symlink():
                    dirnames.remove(d)
                    self.problem(f"left out the symlinked folder {base / d}")
            for name in sorted(filenames):
                p = base / name
                sub = p.relative_to(src).as_posix()
                if sub in skip:
                    continue
                if p.is_symlink() and not p.resolve().is_file():
                    self.problem(f"left out {p}: a symlink to no regular file")
                    continue
                self.copy_file(p, f"{rel}/{sub}" if rel else sub)

    def write_file(self, rel: str, data: bytes) -> None:
        dest = self.file_path(rel)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        self.files += 1

    def problem(self, text: str) -> None:
        """Something of this run could not be read; it is reported and kept in the record
        (the first `MAX_PROBLEMS`, then a count, so a badly damaged file stays readable)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self._more_problems += 1

    # --- the end -------------------------------------------------------------------------
    def commit(self) -> None:
        """Write what is pending, move the folder into runs/ and record the run."""
        self._flush_rows()
        self._flush_system()
        if self._more_problems:
            self.problems.append(f"... and {self._more_problems} more problem(s) of the same run")
            self._more_problems = 0
        for w in (self._history, self._system):
            w.fsync()
            w.close()
        rec = self.record
        rec["config"] = Config(rec.get("config") or {}).as_dict()
        if not rec.get("summary"):
            rec["summary"] = {k: v for k, v in self.last_values.items()
                              if not (isinstance(v, float) and v != v)}
        rec["last_step"] = self.last_step
        if self.problems:
            rec["imported"]["problems"] = list(self.problems)
        rec["imported"]["at"] = time.time()
        rec.setdefault("updated_at", time.time())
        rec["heartbeat_at"] = rec.get("finished_at") or rec["updated_at"]
        atomic_write(self.files_dir / "summary.json",
                     orjson.dumps(rec["summary"], option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY))
        atomic_write(self.files_dir / "config.yaml", config_yaml(rec["config"]))
        for p in (self.dir / "owner",):
            p.unlink(missing_ok=True)
        (self.dir / MARKER).write_text(str(os.getpid()))
        fsync_dir(self.dir)
        target = self.layout.run_dir(self.run_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.dir, target)
        fsync_dir(target.parent)
        create_run(self.catalog, rec)
        (target / MARKER).unlink(missing_ok=True)

    def abort(self) -> None:
        for w in (self._history, self._system):
            w.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def newest_of_rows(rows: Sequence[dict]) -> dict[str, Any]:
    """Each key's last logged value in `rows` (the summary's default, as a live run keeps it):
    walks back from the last row only until every key has been seen (usually one row)."""
    keys: set[str] = set()
    for r in rows:
        keys.update(r)
    found: dict[str, Any] = {}
    for r in reversed(rows):
        for k, v in r.items():
            if k not in found:
                found[k] = v
        if len(found) == len(keys):
            break
    return found


def newest_of_columns(columns: dict[str, list]) -> dict[str, Any]:
    """`newest_of_rows` for columns (None where a row has no value)."""
    found: dict[str, Any] = {}
    for k, col in columns.items():
        v = col[-1] if col else None
        if v is None:  # the key is not in the last row: its newest value, walking back
            v = next((x for x in reversed(col) if x is not None), None)
            if v is None:
                continue
        found[k] = v
    return found


def map_file(path: Path) -> Any:
    """The file's bytes as a read-only memory map (b"" when empty): readers of big logs slice
    it without holding a copy of the whole file."""
    import mmap
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return b""
        return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)


# One field of a structural protobuf view: (name, number, type, repeated, message type or None),
# the type a `google.protobuf.descriptor_pb2.FieldDescriptorProto.TYPE_*` value.
ViewField = tuple[str, int, int, bool, "str | None"]


def proto_views(package: str, messages: dict[str, Sequence[ViewField]], *wanted: str) -> tuple[Any, ...]:
    """Message classes of a private protobuf file built at run time: `messages` maps a name to
    its fields; returns the classes named `wanted`, in that order.

    The readers use such views to parse a source's records by their field numbers only, with
    fields re-declared (a singular field as repeated, a message as bytes) so the C parser
    does per-record work that would otherwise be Python loops. Each view gets its own
    descriptor pool, so nothing clashes with the source library's own protobufs.
    """
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    F = descriptor_pb2.FieldDescriptorProto
    fdp = descriptor_pb2.FileDescriptorProto(name=f"{package}.proto", package=package, syntax="proto2")
    for name, fields in messages.items():
        m = fdp.message_type.add(name=name)
        for fname, number, ftype, repeated, tname in fields:
            f = m.field.add(name=fname, number=number, type=ftype,
                            label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if tname:
                f.type_name = f".{package}.{tname}"
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return tuple(message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{package}.{n}")) for n in wanted)


def clean_leftovers(catalog: Catalog) -> list[str]:
    """Remove what an interrupted import left: staging folders of dead importers and run
    folders still marked `.importing` that never reached the catalog. Returns their names."""
    removed: list[str] = []
    staging = catalog.layout.root / STAGING
    if staging.is_dir():
        for d in staging.iterdir():
            try:
                pid_s, started_s = (d / "owner").read_text().split()
                alive = pid_alive(int(pid_s), None if started_s == "None" else float(started_s))
            except (OSError, ValueError):
                alive = False
            if not alive:
                shutil.rmtree(d, ignore_errors=True)
                removed.append(str(d))
    runs = catalog.layout.root / "runs"
    if runs.is_dir():
        for d in runs.iterdir():
            if (d / MARKER).exists() and catalog.get("runs", d.name) is None:
                try:
                    pid = int((d / MARKER).read_text())
                except (OSError, ValueError):
                    pid = -1
                if pid != os.getpid() and pid_alive(pid, None):
                    continue  # another import is committing this very run right now
                shutil.rmtree(d, ignore_errors=True)
                removed.append(str(d))
    return removed


def pick_run_id(catalog: Catalog, kind: str, item: SourceRun) -> str:
    """The source's own id when it is a valid py_tracker id and free, else a derived one."""
    for cand in (item.native_id, derived_id(kind, item.source_id)):
        if cand and ID_RE.match(cand) and catalog.get("runs", cand) is None \
                and not catalog.layout.run_dir(cand).exists():
            return cand
    n = 1
    while True:
        cand = derived_id(kind, f"{item.source_id}#{n}")
        if catalog.get("runs", cand) is None and not catalog.layout.run_dir(cand).exists():
            return cand
        n += 1


def merge_points(series: dict[str, tuple[Any, Any, Any]], start: float | None) -> Iterator[tuple[int, dict[str, list]]]:
    """Points of several metrics (key -> (steps, wall times, values) as arrays) as history
    rows, one row per step in step order, in chunks of `CHUNK_ROWS` given as columns
    `(n, {key: n values})` for `StagedRun.add_columns` (None where a metric has no point at
    that step). A key logged twice at one step keeps its last point (what TensorBoard and
    MLflow show). `_timestamp` is the latest wall time of the row's points; `_runtime`
    counts from `start`. Everything is done on whole arrays: no dict per row."""
    import numpy as np
    if not series:
        return
    keys = list(series)
    if len(keys) == 1:
        steps, times, values = (np.asarray(a) for a in series[keys[0]])
        if len(steps) < 2 or bool(np.all(steps[1:] > steps[:-1])):  # one metric in step order: as is
            yield from _single(keys[0], steps, times, values, start)
            return
    steps_all = np.unique(np.concatenate([np.asarray(series[k][0], dtype=np.int64) for k in keys]))
    n = len(steps_all)
    cols: dict[str, Any] = {}
    wall = np.full(n, -np.inf)
    for k in keys:
        steps, times, values = (np.asarray(a) for a in series[k])
        # last occurrence of each step wins: stable sort, then keep the last of each run
        order = np.argsort(steps, kind="stable")
        s, t, v = steps[order], times[order], values[order]
        last = np.ones(len(s), dtype=bool)
        last[:-1] = s[1:] != s[:-1]
        s, t, v = s[last], t[last], v[last]
        pos = np.searchsorted(steps_all, s)
        full = np.full(n, None, dtype=object)  # None: no point of this metric at that step
        full[pos] = v.tolist() if v.dtype != object else v
        cols[k] = full
        np.maximum.at(wall, pos, t.astype(float))
    t0 = start if start is not None else (float(wall.min()) if n else 0.0)
    runtime = wall - t0
    for lo in range(0, n, CHUNK_ROWS):
        hi = min(n, lo + CHUNK_ROWS)
        chunk = {k: full[lo:hi].tolist() for k, full in cols.items()}
        chunk["_step"] = steps_all[lo:hi].tolist()
        chunk["_runtime"] = runtime[lo:hi].tolist()
        chunk["_timestamp"] = wall[lo:hi].tolist()
        yield hi - lo, chunk


def _single(key: str, steps: Any, times: Any, values: Any, start: float | None) -> Iterator[tuple[int, dict[str, list]]]:
    """`merge_points` for one metric whose steps already increase: columns straight from the arrays."""
    if not len(steps):
        return
    t0 = start if start is not None else float(times.min())
    times = times.astype(float)
    for lo in range(0, len(steps), CHUNK_ROWS):
        hi = min(len(steps), lo + CHUNK_ROWS)
        yield hi - lo, {key: values[lo:hi].tolist(), "_step": steps[lo:hi].tolist(),
                        "_runtime": (times[lo:hi] - t0).tolist(), "_timestamp": times[lo:hi].tolist()}
