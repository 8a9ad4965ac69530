"""The worker side of a sweep on Dask: run one trial, stream what it records to the controller.

`run_trial(function, ctx, channel)` is the Dask task of one trial. On the worker it runs
the trial as a normal py_tracker run (config injected through the sweep context, `log`,
summary, system monitor, output capture, media, files) but in a store in a worker-local
temporary folder, so workers need no shared filesystem with the notebook. Everything that
run writes is mirrored, as bytes, to the controller through a `distributed.Queue`:

    {"k": "start", "run", "seq", "worker", "host", "pid", "at"}  the trial began here
    {"k": "data",  "run", "seq", "path", "offset", "data", "whole"} bytes of history.jsonl,
                    system.jsonl or files/...: appended at `offset`, or the whole file
    {"k": "meta",  "run", "seq", "record"}                        the run record (config,
                    summary, name, tags...) when it changed
    {"k": "note",  "run", "seq", "text"}                          a warning for the notebook
    {"k": "end",   "run", "seq", "outcome", "error"}              last message of the trial

The controller (the notebook kernel) applies them to its store, so it stays the only
writer of TinyDB. History lines are shipped exactly as the worker's run wrote them
(whole lines only), so the controller's files are byte copies.

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
from .runners import FunctionRunner

log = logging.getLogger("py_tracker")

RESOURCE = "py_tracker-trial"
LEASE_TIMEOUT = 30.0     # seconds without a controller heartbeat before a trial stops itself
CONTROL_POLL = 0.25      # seconds between checks of the stop event
MAX_FILE_BYTES = 64 << 20  # larger run files are not copied back (a note says so)
APPENDED = {"history.jsonl", "system.jsonl", "files/output.log"}
META_KEYS = ("name", "group", "job_type", "tags", "notes", "config", "summary", "metrics",
             "last_step", "runtime", "exit_code", "state", "finished_at")

_process_lock = threading.Lock()
_sinks: dict[str, "TrialSink"] = {}


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


class TrialSink:
    """Mirrors one trial's run folder (streams, files) and record to the controller's queue."""

    def __init__(self, queue: Any, run_id: str, root: Path):
        self.queue = queue
        self.run_id = run_id
        self.root = root
        self.catalog = Catalog(root)
        self.run_dir = root / "runs" / run_id
        self.seq = 0
        self._offsets: dict[str, int] = {}
        self._sigs: dict[str, tuple[int, int]] = {}
        self._meta: bytes | None = None
        self._meta_at = 0.0
        self._lock = threading.RLock()
        self._noted: set[str] = set()
        self.broken = False
        self.on_broken: Callable[[str], None] | None = None

    def send(self, kind: str, **fields: Any) -> None:
        """Put one message on the queue. If the scheduler cannot take it, what follows would
        leave a hole in the controller's copy: the trial is stopped instead (`on_broken`)."""
        with self._lock:  # one sequence, in order, whatever thread ships
            if self.broken:
                return
            try:
                self.queue.put({"k": kind, "run": self.run_id, "seq": self.seq, **fields})
            except Exception as exc:
                self.broken = True
                log.warning("py_tracker: trial %s cannot reach the controller (%s); stopping it",
                            self.run_id, exc)
                if self.on_broken is not None:
                    self.on_broken("the controller cannot be reached")
                return
            self.seq += 1

    # --- the run's files ------------------------------------------------------
    def ship_stream(self, rel: str) -> None:
        """New bytes of an append-only file; whole lines only for the .jsonl streams."""
        with self._lock:
            path = self.run_dir / rel
            start = self._offsets.get(rel, 0)
            try:
                with open(path, "rb") as f:
                    f.seek(start)
                    data = f.read()
            except FileNotFoundError:
                return
            if rel.endswith(".jsonl"):
                data = data[: data.rfind(b"\n") + 1]
            if data:
                self.send("data", path=rel, offset=start, data=data, whole=False)
                self._offsets[rel] = start + len(data)

    def ship_files(self) -> None:
        """Files of the run's files/ folder that changed since last time (whole)."""
        files = self.run_dir / "files"
        with self._lock:
            for dirpath, dirnames, names in os.walk(files):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                for name in names:
                    if name.startswith(".") or name.endswith(".tmp"):
                        continue
                    full = Path(dirpath) / name
                    rel = full.relative_to(self.run_dir).as_posix()
                    if rel in APPENDED:
                        self.ship_stream(rel)
                        continue
                    try:
                        st = full.stat()
                    except FileNotFoundError:
                        continue
                    sig = (st.st_size, st.st_mtime_ns)
                    if self._sigs.get(rel) == sig:
                        continue
                    self._sigs[rel] = sig
                    if st.st_size > MAX_FILE_BYTES:
                        if rel not in self._noted:
                            self._noted.add(rel)
                            self.send("note", text=f"file {rel} of run {self.run_id} ({st.st_size >> 20} MB) "
                                                   f"was not copied back from the worker (limit "
                                                   f"{MAX_FILE_BYTES >> 20} MB); log it as an artifact "
                                                   f"or save it to shared storage")
                        continue
                    try:
                        data = full.read_bytes()
                    except OSError:
                        continue
                    self.send("data", path=rel, offset=0, data=data, whole=True)

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
            self.send("meta", record=orjson.loads(orjson.dumps(meta, option=orjson.OPT_SERIALIZE_NUMPY)))

    # --- hooks on the worker's run ----------------------------------------------
    def on_rows(self, stream: str, rows: list) -> None:
        self.ship_stream(f"{stream}.jsonl")

    def poll(self) -> None:
        self.ship_files()
        self.ship_meta()

    def final(self) -> None:
        for rel in ("history.jsonl", "system.jsonl"):
            self.ship_stream(rel)
        self.ship_files()
        self.ship_meta(force=True)


def _attach(run: Any) -> None:
    """init hook (worker side): a run of a trial this process is running gets mirrored."""
    sink = _sinks.get(getattr(run, "id", ""))
    if sink is not None and getattr(run, "sweep_id", None):
        run.add_row_listener(sink.on_rows)
        run.add_poll_hook(sink.poll)


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
        sink = TrialSink(queue, run_id, tmp)
        session.add_init_hook(_attach)  # registered by the first trial on this worker, not on import
        _sinks[run_id] = sink
        control = None
        try:
            try:
                worker = get_worker().address
            except ValueError:
                worker = None
            sink.send("start", worker=worker, host=socket.gethostname(), pid=os.getpid(), at=entered)
            if sink.broken:
                return {"outcome": "lost", "sent": 0}
            runner = FunctionRunner(function, sink.catalog)
            sink.on_broken = runner.stop
            control = _Control(Event(channel["stop"], client=client),
                               Variable(channel["lease"], client=client), runner.stop,
                               float(channel.get("lease_timeout") or LEASE_TIMEOUT))
            control.start()
            outcome = runner.run(ctx.with_root(tmp))
            sink.final()
            sink.send("end", outcome=outcome, error=getattr(runner, "last_error", None))
            return {"outcome": outcome, "sent": sink.seq}
        finally:
            if control is not None:
                control.done.set()  # not joined: it may be inside a 0.5 s wait; the slot frees now
            _sinks.pop(run_id, None)
            shutil.rmtree(tmp, ignore_errors=True)
            try:
                queue.close()  # our reference: the queue goes when the controller drops its own
            except Exception:
                pass

