"""The worker side of a sweep on Dask: run one trial, stream what it records to the controller.

`run_trial(function, ctx, channel)` is the Dask task of one trial. On the worker it runs
the trial as a normal py_tracker run (config injected through the sweep context, `log`,
summary, system monitor, output capture, media, files) but in a store in a worker-local
temporary folder, so workers need no shared filesystem with the notebook. A `TrialFeed`
hands what that run records to a `QueueSink`, the Dask transport as a run sink
(`storage.sink.RunSink`): each call becomes one numbered message on a `distributed.Queue`

    {"k": "event",  "run", "seq", "kind": "start", "fields": {worker, host, pid, at}}
    {"k": "rows",   "run", "seq", "stream", "rows"}   a flushed batch, as the run logged it
    {"k": "record", "run", "seq", "fields"}           the run record (config, summary, name,
                                                      tags...) when it changed
    {"k": "file",   "run", "seq", "name", "data", "offset"}  a file of files/ (whole, or a
                                                      piece of the append-only output log)
    {"k": "event",  "run", "seq", "kind": "note", "fields": {text}}  a warning for the user
    {"k": "finish", "run", "seq", "fields": {outcome, error}}   last message of the trial

and the controller (the notebook kernel) replays them into its store's `StoreSink`
(`mirror.TrialMirror`), so it stays the only writer of TinyDB and of the history files.
The transport never reads or ships the store's files: rows travel as rows (the feed gets
them from the run's row listener), so the disk format is the store's business alone.

Control flows the other way through the scheduler: the trial's `distributed.Event`
`channel["stop"]` (set by the controller for Stop, Skip, hyperband) makes the run's next
`log()` raise RunStopped; `channel["lease"]`, a `Variable` the controller bumps every
second, tells the worker the controller is alive (if it stops changing for
`channel["lease_timeout"]` s, the trial is stopped: nobody records it any more); `channel["attempt"]`
is an `Event` set when the trial starts, so that Dask re-running the task after its
worker died does not run the trial a second time.

Only one trial runs per worker process at a time (py_tracker's active run and sweep
context are process-wide): the `TrialSlots` worker plugin gives every worker one
`py_tracker-trial` resource that trials ask for, and a process lock backs it up.
"""
from __future__ import annotations

import logging
import os
import pickle
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from ..core import session
from ..core.trial import TrialContext
from ..storage.catalog import Catalog
from ..storage.jsonsafe import json_safe
from ..storage.sink import RunSink, as_message, check_stream
from .runners import FunctionRunner

log = logging.getLogger("py_tracker")

RESOURCE = "py_tracker-trial"
LEASE_TIMEOUT = 30.0     # seconds without a controller heartbeat before a trial stops itself
CONTROL_POLL = 0.25      # seconds between checks of the stop event
MAX_FILE_BYTES = 64 << 20  # larger run files are not copied back (a note says so)
APPENDED = {"output.log"}  # files of files/ that only grow: sent in pieces
META_KEYS = ("name", "group", "job_type", "tags", "notes", "config", "summary", "metrics",
             "last_step", "runtime", "exit_code", "state", "finished_at")

_process_lock = threading.Lock()
_feeds: dict[str, "TrialFeed"] = {}


def worker_info() -> dict:
    """What the controller checks before a sweep: py_tracker is importable here, which version."""
    from ..version import __version__
    return {"version": __version__, "pid": os.getpid(), "host": socket.gethostname()}


try:  # the plugin class exists only where distributed is installed (it is, on a worker)
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - the controller checks for dask before using this
    _WorkerPlugin = object  # type: ignore[assignment,misc]


class TrialSlots(_WorkerPlugin):  # type: ignore[misc,valid-type]
    """Worker plugin: one `py_tracker-trial` resource per worker process (also on workers
    that join later), so Dask never runs two trials in one process."""

    name = "py_tracker-trial-slots"

    async def setup(self, worker: Any) -> None:
        await worker.set_resources(**{RESOURCE: 1})


class QueueSink(RunSink):
    """The Dask transport as a `RunSink`: every call becomes one message on the controller's
    `distributed.Queue`, numbered per trial (`seq`), which the controller replays into its
    store (`TrialMirror`). It holds no path and opens no file: rows travel as the run
    logged them (pickled: NaN, big ints and numpy values arrive as they were), records as
    dicts, files as named bytes.

    If the scheduler cannot take a message, what follows would leave a hole in the
    controller's copy: the sink turns `broken`, drops the rest and calls `on_broken` (the
    trial is stopped)."""

    def __init__(self, queue: Any, run_id: str):
        self.queue = queue
        self.run_id = run_id
        self.seq = 0
        self._lock = threading.Lock()
        self.broken = False
        self.on_broken: Callable[[str], None] | None = None

    def send(self, call: str, **fields: Any) -> None:
        with self._lock:  # one sequence, in order, whatever thread ships
            if self.broken:
                return
            try:
                self.queue.put(dict(as_message(call, self.run_id, **fields), seq=self.seq))
            except Exception as exc:
                self.broken = True
                log.warning("py_tracker: trial %s cannot reach the controller (%s); stopping it",
                            self.run_id, exc)
                if self.on_broken is not None:
                    self.on_broken("the controller cannot be reached")
                return
            self.seq += 1

    def open_run(self, record: dict) -> None:
        self.send("open", record=record)

    def rows(self, run_id: str, stream: str, rows: list[dict]) -> None:
        try:
            data = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # a value pickle refuses: sent in its storable form (as the store keeps it)
            notes: list[str] = []
            data = pickle.dumps([{k: json_safe(v, k, notes) for k, v in r.items()} for r in rows],
                                protocol=pickle.HIGHEST_PROTOCOL)
        self.send("rows", stream=check_stream(stream), rows=data)

    def record(self, run_id: str, fields: dict) -> None:
        self.send("record", fields=fields)

    def file(self, run_id: str, name: str, data: bytes, offset: int | None = None) -> None:
        self.send("file", name=name, data=data, offset=offset)

    def event(self, run_id: str, kind: str, fields: dict) -> None:
        self.send("event", kind=kind, fields=fields)

    def finish(self, run_id: str, fields: dict) -> None:
        self.send("finish", fields=fields)


def decode(msg: dict) -> dict:
    """A `QueueSink` message as `storage.sink.replay` takes it (rows unpickled)."""
    if msg.get("k") == "rows" and isinstance(msg.get("rows"), (bytes, bytearray)):
        return dict(msg, rows=pickle.loads(msg["rows"]))
    return msg


class TrialFeed:
    """Feeds one worker-side trial run into a `RunSink`: its rows as they are flushed (row
    listener), its record fields when they changed, the files of its `files/` folder
    (`run.dir`; the append-only output log in pieces). It never reads the run's history."""

    def __init__(self, sink: RunSink, run_id: str, catalog: Catalog):
        self.sink = sink
        self.run_id = run_id
        self.catalog = catalog
        self.files_dir: Path | None = None
        self._offsets: dict[str, int] = {}
        self._sigs: dict[str, tuple[int, int]] = {}
        self._meta: bytes | None = None
        self._meta_at = 0.0
        self._lock = threading.RLock()
        self._noted: set[str] = set()

    def attach(self, run: Any) -> None:
        self.files_dir = Path(run.dir)
        run.add_row_listener(self.on_rows)
        run.add_poll_hook(self.poll)

    def on_rows(self, stream: str, rows: list) -> None:
        self.sink.rows(self.run_id, stream, rows)

    def ship_files(self) -> None:
        """Files of the run's files/ folder that changed since last time (whole), and the
        new end of the append-only ones."""
        if self.files_dir is None:
            return
        with self._lock:
            for dirpath, dirnames, names in os.walk(self.files_dir):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for fname in names:
                    if fname.startswith(".") or fname.endswith(".tmp"):
                        continue
                    full = Path(dirpath) / fname
                    name = full.relative_to(self.files_dir).as_posix()
                    if name in APPENDED:
                        self._ship_appended(full, name)
                        continue
                    try:
                        st = full.stat()
                    except FileNotFoundError:
                        continue
                    sig = (st.st_size, st.st_mtime_ns)
                    if self._sigs.get(name) == sig:
                        continue
                    self._sigs[name] = sig
                    if st.st_size > MAX_FILE_BYTES:
                        if name not in self._noted:
                            self._noted.add(name)
                            self.sink.event(self.run_id, "note", {"text": (
                                f"file {name} of run {self.run_id} ({st.st_size >> 20} MB) was not copied "
                                f"back from the worker (limit {MAX_FILE_BYTES >> 20} MB); log it as an "
                                f"artifact or save it to shared storage")})
                        continue
                    try:
                        data = full.read_bytes()
                    except OSError:
                        continue
                    self.sink.file(self.run_id, name, data)

    def _ship_appended(self, path: Path, name: str) -> None:
        start = self._offsets.get(name, 0)
        try:
            with open(path, "rb") as f:
                f.seek(start)
                data = f.read()
        except FileNotFoundError:
            return
        if data:
            self.sink.file(self.run_id, name, data, offset=start)
            self._offsets[name] = start + len(data)

    def ship_meta(self, force: bool = False) -> None:
        """The run record as the worker's run last saved it, when it changed (or every 5 s)."""
        import orjson
        rec = self.catalog.get("runs", self.run_id)
        if rec is None:
            return
        meta = {k: rec[k] for k in META_KEYS if k in rec}
        key = orjson.dumps({k: v for k, v in meta.items() if k != "runtime"},
                           option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)
        now = time.monotonic()
        if force or key != self._meta or now - self._meta_at > 5.0:
            self._meta, self._meta_at = key, now
            self.sink.record(self.run_id, orjson.loads(orjson.dumps(meta, option=orjson.OPT_SERIALIZE_NUMPY)))

    def poll(self) -> None:
        self.ship_files()
        self.ship_meta()

    def final(self) -> None:
        self.ship_files()
        self.ship_meta(force=True)


def _attach(run: Any) -> None:
    """init hook (worker side): a run of a trial this process is running gets mirrored."""
    feed = _feeds.get(getattr(run, "id", ""))
    if feed is not None and getattr(run, "sweep_id", None):
        feed.attach(run)


class _Control(threading.Thread):
    """Worker thread: turns the controller's stop event (or a lost lease) into a run stop."""

    def __init__(self, stop_event: Any, lease: Any, stop: Callable[[str], None],
                 lease_timeout: float = LEASE_TIMEOUT):
        super().__init__(name="py_tracker-trial-control", daemon=True)
        self.stop_event, self.lease, self.stop = stop_event, lease, stop
        self.lease_timeout = lease_timeout
        self.done = threading.Event()

    def run(self) -> None:  # noqa: D401 - Thread API
        # Short calls (is_set, a set Variable's get) rather than long polls: the thread ends
        # as soon as the trial does, with no call left waiting on the scheduler.
        last, changed, next_lease, stopping = None, time.monotonic(), 0.0, None
        while not self.done.wait(CONTROL_POLL):
            try:
                if stopping is None and self.stop_event.is_set():
                    stopping = "stop requested by the controller"
                now = time.monotonic()
                if stopping is None and now >= next_lease:
                    next_lease = now + min(2.0, self.lease_timeout / 3)
                    value = self.lease.get(timeout=2)
                    if value != last:
                        last, changed = value, now
                    elif now - changed > self.lease_timeout:
                        stopping = "the controller is gone"
            except Exception:
                if time.monotonic() - changed > self.lease_timeout:
                    stopping = "the controller is gone"
            if stopping is not None:
                self.stop(stopping)  # repeated: a stop before init() is kept pending


def run_trial(function: Callable[[], Any], ctx: TrialContext, channel: dict) -> dict:
    """The Dask task of one trial (see the module docstring). Returns {"outcome", "sent"};
    outcome "lost" when this is Dask re-running a trial whose first worker died."""
    entered = time.time()
    from distributed import Event, Queue, Variable, get_client, get_worker
    client = get_client()
    attempt = Event(channel["attempt"], client=client)
    if attempt.is_set():
        return {"outcome": "lost", "sent": 0}
    attempt.set()
    queue = Queue(channel["queue"], client=client)
    with _process_lock:
        tmp = Path(tempfile.mkdtemp(prefix="py_tracker-trial-"))
        run_id = ctx.run_id
        sink = QueueSink(queue, run_id)
        session.add_init_hook(_attach)  # registered by the first trial on this worker, not on import
        catalog = Catalog(tmp)
        feed = _feeds[run_id] = TrialFeed(sink, run_id, catalog)
        control = None
        try:
            try:
                worker = get_worker().address
            except ValueError:
                worker = None
            sink.event(run_id, "start", {"worker": worker, "host": socket.gethostname(),
                                         "pid": os.getpid(), "at": entered})
            if sink.broken:
                return {"outcome": "lost", "sent": 0}
            runner = FunctionRunner(function, catalog)
            sink.on_broken = runner.stop
            control = _Control(Event(channel["stop"], client=client),
                               Variable(channel["lease"], client=client), runner.stop,
                               float(channel.get("lease_timeout") or LEASE_TIMEOUT))
            control.start()
            outcome = runner.run(ctx.with_root(tmp))
            feed.final()
            sink.finish(run_id, {"outcome": outcome, "error": getattr(runner, "last_error", None)})
            return {"outcome": outcome, "sent": sink.seq}
        finally:
            if control is not None:
                control.done.set()  # not joined: it may be inside a 0.5 s wait; the slot frees now
            _feeds.pop(run_id, None)
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                queue.close()  # our reference: the queue goes when the controller drops its own
            except Exception:
                pass

