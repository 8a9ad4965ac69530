"""The controller side of one remote trial: its run in the controller's store.

A `TrialMirror` creates the trial's run record as "running" the moment the trial is
submitted (so the widget and the sidebar show every running trial at once), applies the
messages its worker sends (see `dask_runner`: byte appends to history.jsonl, system.jsonl
and files/, whole files, the run record) and records the end state. The record names the
controller process as its writer (host, pid), which is true: if the notebook dies, the
trial shows as crashed, and a restarted agent does not count it as running.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import BinaryIO

from ..core.flusher import touch
from ..core.session import new_record
from ..core.trial import TrialContext
from ..errors import PathEscapeError
from ..storage.atomic import atomic_write
from ..storage.paths import safe_join
from ..storage.records import ENDED_RUN_STATES, create_run, end_run, save_run
from .store import SweepStore

log = logging.getLogger("py_tracker")

#: record fields a worker may set (the rest stays the controller's: id, project, sweep, writer)
WORKER_FIELDS = ("name", "group", "job_type", "tags", "notes", "config", "summary", "metrics",
                 "last_step", "runtime")
ENDED = ENDED_RUN_STATES
SAVE_INTERVAL = 2.0  # seconds between saves of a running trial's record


class TrialMirror:
    """Writes one remote trial's run into the controller's store (the only writer)."""

    def __init__(self, store: SweepStore, ctx: TrialContext):
        self.store = store
        self.catalog = store.catalog
        self.ctx = ctx
        self.run_id: str = ctx.run_id
        self.run_dir: Path = store.layout.run_dir(self.run_id)
        self.seq = 0
        self.worker: str | None = None
        self.worker_pid: int | None = None
        self.meta: dict | None = None      # latest record fields from the worker, not yet saved
        self.last_meta: dict = {}
        self.end: dict | None = None       # the worker's "end" message
        self.notes: list[str] = []
        self.placement: dict = {}            # where the trial runs (worker address, host, pid)
        self._files: dict[str, BinaryIO] = {}
        self.started = time.time()
        self._saved_at = 0.0

    # --- the record -------------------------------------------------------------
    def create(self) -> None:
        rec = new_record(self.run_id, self.ctx.project, config=self.ctx.config,
                         sweep_id=self.ctx.sweep_id, now=self.started)
        rec.update(executor="dask", worker=None)
        (self.run_dir / "files").mkdir(parents=True, exist_ok=True)
        touch(self.store.layout.heartbeat(self.run_id))
        create_run(self.catalog, rec)

    def save_meta(self) -> None:
        """Write the newest record fields the worker sent, at most every `SAVE_INTERVAL` s
        (as a local run saves its record): each save rewrites the catalog."""
        if self.meta is None or time.monotonic() - self._saved_at < SAVE_INTERVAL:
            return
        self._saved_at = time.monotonic()
        fields = {k: v for k, v in self.meta.items() if k in WORKER_FIELDS}
        fields.update(self.placement)
        self.meta = None
        now = time.time()
        fields.update(updated_at=now, heartbeat_at=now)
        save_run(self.catalog, self.run_id, fields)

    def beat(self) -> None:
        touch(self.store.layout.heartbeat(self.run_id))

    # --- messages from the worker -------------------------------------------------
    def apply(self, msg: dict) -> None:
        seq = msg.get("seq")
        if seq != self.seq:
            log.warning("py_tracker: trial %s: message %s arrived, expected %s", self.run_id, seq, self.seq)
        self.seq = (seq if isinstance(seq, int) else self.seq) + 1
        kind = msg.get("k")
        if kind == "data":
            self._data(msg)
        elif kind == "meta":
            rec = msg.get("record") or {}
            self.meta = rec
            self.last_meta = rec
        elif kind == "start":  # saved with the next record write (one catalog write less)
            self.worker, self.worker_pid = msg.get("worker"), msg.get("pid")
            self.placement = {"worker": self.worker, "worker_host": msg.get("host"),
                              "worker_pid": self.worker_pid, "worker_started_at": msg.get("at")}
            self.meta = self.meta if self.meta is not None else {}
        elif kind == "note":
            self.notes.append(str(msg.get("text")))
            log.warning("py_tracker: %s", msg.get("text"))
        elif kind == "end":
            self.end = msg

    def _data(self, msg: dict) -> None:
        rel = str(msg.get("path") or "")
        data = msg.get("data") or b""
        if rel not in ("history.jsonl", "system.jsonl") and not rel.startswith("files/"):
            log.warning("py_tracker: trial %s: ignored data for %r", self.run_id, rel)
            return
        if rel.endswith(".jsonl") and data and (not data.endswith(b"\n")):
            log.warning("py_tracker: trial %s: ignored a torn chunk of %s", self.run_id, rel)
            return
        try:
            target = safe_join(self.run_dir, *rel.split("/"))
        except PathEscapeError as exc:
            log.warning("py_tracker: trial %s: refused a file from the worker: %s", self.run_id, exc)
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if msg.get("whole"):
            self._close_file(rel)
            atomic_write(target, data)
            return
        f = self._files.get(rel)
        if f is None:
            f = self._files[rel] = open(target, "ab", buffering=0)
        size = f.seek(0, os.SEEK_END)
        offset = int(msg.get("offset") or 0)
        if offset < size:  # a resend: keep one copy
            f.truncate(offset)
        elif offset > size:
            log.warning("py_tracker: trial %s: %d bytes of %s are missing", self.run_id, offset - size, rel)
        f.write(data)

    def _close_file(self, rel: str) -> None:
        f = self._files.pop(rel, None)
        if f is not None:
            try:
                os.fsync(f.fileno())
            except OSError:
                pass
            f.close()

    # --- the end ---------------------------------------------------------------------
    def finish(self, state: str, reason: str | None = None, exit_code: int | None = None) -> None:
        """Close the files and record the end state (crashed trials keep what arrived)."""
        for rel in list(self._files):
            self._close_file(rel)
        meta = self.meta if self.meta is not None else {}
        fields = {k: v for k, v in meta.items() if k in WORKER_FIELDS}
        fields.update(self.placement)
        now = time.time()
        last = self.last_meta
        if exit_code is None and last.get("state") in ENDED:
            exit_code = last.get("exit_code")
        fields.update(updated_at=now, heartbeat_at=now)
        if reason:
            fields["stop_reason"] = reason
        self.meta = None
        end_run(self.catalog, self.run_id, state, only_from=None, exit_code=exit_code,
                finished_at=last.get("finished_at") or now, **fields)
