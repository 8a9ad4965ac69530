"""Where a run's records go: the run-sink interface and the local store's implementation.

A `RunSink` takes what a run records as values (records, rows, named files, events), never
as the bytes of the store's files, so a transport that carries a run elsewhere (the Dask
trial transport in `sweep.dask_runner`) needs to know nothing of the disk format. The local
store implements it directly (`StoreSink`); a transport implements it by shipping the calls
and replaying them into a `StoreSink` at the other end (`replay`).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import PathEscapeError
from .atomic import atomic_write
from .catalog import Catalog
from .history import HistoryWriter
from .paths import StoreLayout, safe_join
from .records import create_run, end_run, save_run

STREAMS = ("history", "system")


class RunSink:
    """Interface: receives one or more runs' records, in order, per run.

    Contract (every implementation; `tests/contracts/test_run_sink.py` runs one script
    against each):
    - `open_run(record)`: the run `record["id"]` exists from now on, with this record
      (a plain dict: id, project, config, state "running", ...). Calls for a run come after
      its `open_run`.
    - `rows(run_id, stream, rows)`: append `rows` (flat dicts, in logging order, media
      already stored as dicts) to the run's `stream` ("history" or "system"). One call is
      one batch; batches are kept whole and in call order; nothing is dropped or repeated.
    - `record(run_id, fields)`: set these fields of the run's record (a patch; the fields
      not named keep their values).
    - `file(run_id, name, data, offset=None)`: a file of the run's `files/` folder, `name`
      relative to it (posix, confined to it): the whole content when `offset` is None, else
      `data` written at `offset` (an append-only file sent in pieces; a piece sent again is
      written once; a piece past the end is kept, appended, and an error names the hole).
    - `event(run_id, kind, fields)`: something that is no record field ("start": where the
      run executes; "note": a sentence for the user). Sinks that store nothing of it may
      ignore it.
    - `finish(run_id, fields)`: the run's last call: its end fields (state, exit_code,
      finished_at, ...) are set and everything it received is on disk (or handed on) when
      it returns. An error is raised, never swallowed, when that is not so.
    Errors propagate to the caller, which keeps the data for a retry or tells the user.
    """

    def open_run(self, record: dict) -> None:
        raise NotImplementedError

    def rows(self, run_id: str, stream: str, rows: list[dict]) -> None:
        raise NotImplementedError

    def record(self, run_id: str, fields: dict) -> None:
        raise NotImplementedError

    def file(self, run_id: str, name: str, data: bytes, offset: int | None = None) -> None:
        raise NotImplementedError

    def event(self, run_id: str, kind: str, fields: dict) -> None:
        raise NotImplementedError

    def finish(self, run_id: str, fields: dict) -> None:
        raise NotImplementedError


def check_stream(stream: str) -> str:
    if stream not in STREAMS:
        raise ValueError(f"rows for stream {stream!r}: a run has the streams {', '.join(STREAMS)}")
    return stream


class StoreSink(RunSink):
    """The local store as a `RunSink`: records through `Catalog`, rows through one
    `HistoryWriter` per stream (the only writer of those files while the run is open),
    files confined to the run's `files/` folder. Events are not stored."""

    def __init__(self, root: str | os.PathLike[str], catalog: Catalog | None = None):
        self.layout = StoreLayout(root)
        self.catalog = catalog if catalog is not None else Catalog(self.layout.root)
        self._writers: dict[tuple[str, str], HistoryWriter] = {}
        self._files: dict[tuple[str, str], BinaryIO] = {}
        self._lock = threading.Lock()

    def open_run(self, record: dict) -> None:
        run_id = record["id"]
        self.layout.files_dir(run_id).mkdir(parents=True, exist_ok=True)
        self.beat(run_id)
        create_run(self.catalog, record)

    def rows(self, run_id: str, stream: str, rows: list[dict]) -> None:
        key = (run_id, check_stream(stream))
        with self._lock:
            writer = self._writers.get(key)
            if writer is None:
                writer = self._writers[key] = HistoryWriter(self.layout.history(run_id, stream))
        writer.write(rows)

    def record(self, run_id: str, fields: dict) -> None:
        save_run(self.catalog, run_id, fields)

    def file(self, run_id: str, name: str, data: bytes, offset: int | None = None) -> None:
        target = self._target(run_id, name)
        target.parent.mkdir(parents=True, exist_ok=True)
        key = (run_id, name)
        if offset is None:
            self._close_file(key)
            atomic_write(target, data)
            return
        f = self._files.get(key)
        if f is None:
            f = self._files[key] = open(target, "ab", buffering=0)
        size = f.seek(0, os.SEEK_END)
        if offset < size:  # a piece sent again: keep one copy
            f.truncate(offset)
        f.write(data)
        if offset > size:  # kept (appended), and said
            raise ValueError(f"file {name} of run {run_id}: {offset - size} bytes before offset "
                             f"{offset} never arrived; the piece was appended after them")

    def event(self, run_id: str, kind: str, fields: dict) -> None:
        """The store keeps no events (the caller shows notes to the user)."""

    def finish(self, run_id: str, fields: dict) -> None:
        """Close (fsync) the run's streams and files, then patch its end fields."""
        for key in [k for k in self._writers if k[0] == run_id]:
            w = self._writers.pop(key)
            w.fsync()
            w.close()
        for key in [k for k in self._files if k[0] == run_id]:
            self._close_file(key)
        rest = dict(fields)
        state = rest.pop("state", None)
        if state is None:
            save_run(self.catalog, run_id, rest)
        else:  # the sender's end state wins over what the record says (only_from=None)
            end_run(self.catalog, run_id, state, only_from=None, **rest)

    def beat(self, run_id: str) -> None:
        """Touch the run's heartbeat file (its writer is alive)."""
        path = self.layout.heartbeat(run_id)
        try:
            os.utime(path)
        except FileNotFoundError:
            with open(path, "ab"):
                pass

    def _target(self, run_id: str, name: str) -> Path:
        try:
            return safe_join(self.layout.files_dir(run_id), *name.split("/"))
        except PathEscapeError as exc:
            raise ValueError(f"file {name!r} of run {run_id}: {exc}") from None

    def _close_file(self, key: tuple[str, str]) -> None:
        f = self._files.pop(key, None)
        if f is not None:
            try:
                os.fsync(f.fileno())
            finally:
                f.close()


def replay(msg: dict, sink: RunSink) -> None:
    """Apply one message of a transport (`as_message`) to `sink`."""
    kind, run_id = msg["k"], msg["run"]
    if kind == "rows":
        sink.rows(run_id, msg["stream"], msg["rows"])
    elif kind == "record":
        sink.record(run_id, msg["fields"])
    elif kind == "file":
        sink.file(run_id, msg["name"], msg["data"], msg.get("offset"))
    elif kind == "event":
        sink.event(run_id, msg["kind"], msg.get("fields") or {})
    elif kind == "open":
        sink.open_run(msg["record"])
    elif kind == "finish":
        sink.finish(run_id, msg.get("fields") or {})
    else:
        raise ValueError(f"unknown run-sink message {kind!r}")


def as_message(call: str, run_id: str, **fields: Any) -> dict:
    """One sink call as a plain message: {"k": call, "run": run_id, ...} (see `replay`)."""
    return {"k": call, "run": run_id, **fields}
