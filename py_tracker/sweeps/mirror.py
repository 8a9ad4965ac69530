"""The controller side of one remote trial: its run in the controller's store.

A `TrialMirror` creates the trial's run record as "running" the moment the trial is
submitted (so the widget and the sidebar show every running trial at once), replays the
run-sink calls its worker sends (`dask_runner.QueueSink`: rows, named files, the run
record, events) into the controller's `StoreSink`, and records the end state. It writes
only through the sink, never a store file itself. The record names the controller process
as its writer (host, pid), which is true: if the notebook dies, the trial shows as
crashed, and a restarted agent does not count it as running.
"""
from __future__ import annotations

import logging
import time

from ..core.session import new_record
from ..core.trial import TrialContext
from ..storage.records import ENDED_RUN_STATES
from ..storage.sink import StoreSink, replay
from .dask_runner import decode
from .store import SweepStore

log = logging.getLogger("py_tracker")

#: record fields a worker may set (the rest stays the controller's: id, project, sweep, writer)
WORKER_FIELDS = ("name", "group", "job_type", "tags", "notes", "config", "summary", "metrics",
                 "last_step", "runtime")
ENDED = ENDED_RUN_STATES
SAVE_INTERVAL = 2.0  # seconds between saves of a running trial's record


class TrialMirror:
    """Writes one remote trial's run into the controller's store (the only writer), through
    `sink` (one `StoreSink` of the agent's store, shared by its trials)."""

    def __init__(self, store: SweepStore, ctx: TrialContext, sink: StoreSink | None = None):
        self.store = store
        self.catalog = store.catalog
        self.sink = sink if sink is not None else StoreSink(store.layout.root, store.catalog)
        self.ctx = ctx
        self.run_id: str = ctx.run_id
        self.seq = 0
        self.worker: str | None = None
        self.worker_pid: int | None = None
        self.meta: dict | None = None      # latest record fields from the worker, not yet saved
        self.last_meta: dict = {}
        self.end: dict | None = None       # the worker's finish call: {"outcome", "error"}
        self.notes: list[str] = []
        self.placement: dict = {}            # where the trial runs (worker address, host, pid)
        self.started = time.time()
        self._saved_at = 0.0

    # --- the record -------------------------------------------------------------
    def create(self) -> None:
        rec = new_record(self.run_id, self.ctx.project, config=self.ctx.config,
                         sweep_id=self.ctx.sweep_id, now=self.started)
        rec.update(executor="dask", worker=None)
        self.sink.open_run(rec)

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
        self.sink.record(self.run_id, fields)

    def beat(self) -> None:
        self.sink.beat(self.run_id)

    # --- calls from the worker ----------------------------------------------------
    def apply(self, msg: dict) -> None:
        """One message of the worker's `QueueSink`: rows and files go to the store now;
        record fields are kept for the next `save_meta`; events and the finish are noted."""
        seq = msg.get("seq")
        if seq != self.seq:
            log.warning("py_tracker: trial %s: message %s arrived, expected %s", self.run_id, seq, self.seq)
        self.seq = (seq if isinstance(seq, int) else self.seq) + 1
        kind = msg.get("k")
        if kind in ("rows", "file"):
            try:
                replay(decode(dict(msg, run=self.run_id)), self.sink)
            except ValueError as exc:  # a file outside the run's folder, a hole in a stream
                log.warning("py_tracker: trial %s: refused from the worker: %s", self.run_id, exc)
        elif kind in ("record", "open"):
            rec = (msg.get("fields") if kind == "record" else msg.get("record")) or {}
            self.meta = rec
            self.last_meta = rec
        elif kind == "event":
            fields = msg.get("fields") or {}
            if msg.get("kind") == "start":  # saved with the next record write (one catalog write less)
                self.worker, self.worker_pid = fields.get("worker"), fields.get("pid")
                self.placement = {"worker": self.worker, "worker_host": fields.get("host"),
                                  "worker_pid": self.worker_pid, "worker_started_at": fields.get("at")}
                self.meta = self.meta if self.meta is not None else {}
            elif msg.get("kind") == "note":
                self.notes.append(str(fields.get("text")))
                log.warning("py_tracker: %s", fields.get("text"))
        elif kind == "finish":
            self.end = msg.get("fields") or {}

    # --- the end ---------------------------------------------------------------------
    def finish(self, state: str, reason: str | None = None, exit_code: int | None = None) -> None:
        """Close the run's streams and files and record the end state (crashed trials keep
        what arrived)."""
        meta = self.meta if self.meta is not None else {}
        fields = {k: v for k, v in meta.items() if k in WORKER_FIELDS}
        fields.update(self.placement)
        now = time.time()
        last = self.last_meta
        if exit_code is None and last.get("state") in ENDED:
            exit_code = last.get("exit_code")
        fields.update(state=state, exit_code=exit_code, finished_at=last.get("finished_at") or now,
                      updated_at=now, heartbeat_at=now)
        if reason:
            fields["stop_reason"] = reason
        self.meta = None
        self.sink.finish(self.run_id, fields)  # storage.records.end_run: the state given wins
