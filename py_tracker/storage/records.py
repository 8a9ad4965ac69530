"""The run and sweep records: their states, the only functions that write them, and the
facts derived from them (is the writer alive, which state to show, the runtime so far).

A run record is one document of the catalog's "runs" table, a sweep record one of
"sweeps". Every module that creates, saves, ends or marks a run, or creates, changes,
claims from or ends a sweep, calls a function here; `tests/storage/test_record_owner.py`
fails when a module outside `storage` writes those tables through the `Catalog` itself.
States are str-valued enums, so the stored JSON keeps the plain strings ("running",
"finished"...) and a state read back compares equal to its enum member.
"""
from __future__ import annotations

import functools
import os
import socket
import time
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence, Union

from ..errors import UsageError

if TYPE_CHECKING:
    from .catalog import Catalog

HEARTBEAT_TIMEOUT = 30.0  # seconds without a heartbeat before a running run counts as crashed

_HOST = socket.gethostname()


class RunState(str, Enum):
    """A run's state as stored. RUNNING until it ends; the others are final (a resumed run
    is RUNNING again). CRASHED is written by whoever finds the writer gone (doctor, the
    sweep store); readers show it for a RUNNING record whose writer died (`effective_state`)."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CRASHED = "crashed"
    STOPPED = "stopped"

    def __str__(self) -> str:  # f"{state}" and str(state) give the stored text
        return self.value

    @property
    def ended(self) -> bool:
        return self is not RunState.RUNNING


class SweepState(str, Enum):
    """A sweep's state as stored: RUNNING and PAUSED can change into each other; STOPPED
    (by a user) and FINISHED (run_cap, target, grid exhausted) are final."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"

    def __str__(self) -> str:
        return self.value

    @property
    def ended(self) -> bool:
        return self in (SweepState.STOPPED, SweepState.FINISHED)


ENDED_RUN_STATES = frozenset(s.value for s in RunState if s.ended)


def run_state(value: Any) -> RunState:
    """`value` ("finished", RunState.FAILED...) as a RunState, or a UsageError naming it."""
    try:
        return RunState(value)
    except ValueError:
        raise UsageError(f"run state {value!r} is not one of {[s.value for s in RunState]}") from None


def sweep_state(value: Any) -> SweepState:
    """`value` as a SweepState, or a UsageError naming it and the states there are."""
    try:
        return SweepState(value)
    except ValueError:
        raise UsageError(f"sweep state must be one of {tuple(s.value for s in SweepState)}, "
                         f"got {value!r}") from None


@functools.lru_cache(maxsize=8)
def pid_start(pid: int) -> float | None:
    """When process `pid` started (psutil's create_time): with the pid it names one process.

    On Linux read from /proc as psutil does (start ticks / CLK_TCK + boot time), which
    spares every first `init()` the ~50 ms import of psutil; elsewhere psutil.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
        return ticks / os.sysconf("SC_CLK_TCK") + _boot_time()
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
        return psutil.Process(pid).create_time()
    except Exception:
        return None


@functools.lru_cache(maxsize=1)
def _boot_time() -> float:
    with open("/proc/stat", "rb") as f:
        for line in f:
            if line.startswith(b"btime"):
                return float(line.split()[1])
    raise ValueError("no btime in /proc/stat")


def pid_alive(pid: int, started: float | None) -> bool:
    """Whether that process still runs on this host (a reused pid does not count)."""
    try:
        import psutil
        p = psutil.Process(pid)
        if started is not None and abs(p.create_time() - started) > 1.0:
            return False  # the pid was reused by another process
        return p.status() != psutil.STATUS_ZOMBIE
    except Exception:
        return False


def writer_info() -> dict:
    """The fields that name this process as a record's writer (host, pid and its start time)."""
    pid = os.getpid()
    return {"host": _HOST, "pid": pid, "pid_start": pid_start(pid)}


# --- reading: derived state and runtime (one rule for Api, server, notebook, sweeps) ----------
Heartbeat = Union[Path, Callable[[], "Path | None"], None]


def effective_state(record: dict, heartbeat: Heartbeat = None, now: float | None = None) -> str:
    """The state to show: a "running" run whose writer is gone is "crashed".

    On this host the writer's pid (and its start time) decides; elsewhere the heartbeat
    file's age (or the record's heartbeat_at) does. `heartbeat` is the file's path, or a
    function giving it (None: do not look), called only when the file is needed, so that
    a listing of ended runs costs no path work.
    """
    state = record.get("state", RunState.RUNNING.value)
    if state != RunState.RUNNING:
        return state
    if record.get("host") == _HOST and record.get("pid"):
        if record["pid"] == os.getpid():
            return RunState.RUNNING.value
        alive = pid_alive(int(record["pid"]), record.get("pid_start"))
        return RunState.RUNNING.value if alive else RunState.CRASHED.value
    now = now or time.time()
    beat = record.get("heartbeat_at") or record.get("updated_at") or record.get("created_at") or 0
    path = heartbeat() if callable(heartbeat) else heartbeat
    if path is not None:
        try:
            beat = max(beat, path.stat().st_mtime)
        except OSError:
            pass
    return RunState.RUNNING.value if now - beat < HEARTBEAT_TIMEOUT else RunState.CRASHED.value


def run_runtime(record: dict, state: str, now: float | None = None) -> float:
    """Seconds the run has run: the stored runtime, plus the time since its last save while
    it is still running (`state` as `effective_state` gives it)."""
    runtime = float(record.get("runtime") or 0)
    if state == RunState.RUNNING:
        now = time.time() if now is None else now
        runtime += max(0.0, now - (record.get("updated_at") or now))
    return runtime


# --- writing run records ----------------------------------------------------------------
def new_run(run_id: str, project: str, name: str, *, group: str | None = None, job_type: str | None = None,
            tags: Sequence[str] | None = None, notes: str | None = None, config: dict | None = None,
            sweep_id: str | None = None, now: float | None = None) -> dict:
    """The record of a run that starts now, written by this process (state RUNNING)."""
    now = time.time() if now is None else now
    rec = {"id": run_id, "project": project, "name": name, "group": group,
           "job_type": job_type, "tags": list(tags or []), "notes": notes, "config": dict(config or {}),
           "summary": {}, "state": RunState.RUNNING.value, "created_at": now, "updated_at": now,
           "heartbeat_at": now, "runtime": 0.0, "last_step": -1, "sweep_id": sweep_id, "metrics": [],
           "dir": f"runs/{run_id}"}
    rec.update(writer_info())
    return rec


def resume_fields(now: float | None = None) -> dict:
    """What a resumed run's record changes to: RUNNING again, written by this process."""
    now = time.time() if now is None else now
    return {"state": RunState.RUNNING.value, "finished_at": None, "exit_code": None, "resumed_at": now,
            **writer_info()}


def end_fields(state: str, exit_code: int | None = None, finished_at: float | None = None) -> dict:
    """The fields that end a run in `state` (checked): exit_code 0 for FINISHED when not given."""
    st = run_state(state)
    if not st.ended:
        raise UsageError(f"a run cannot end in state {st.value!r}; use one of {sorted(ENDED_RUN_STATES)}")
    return {"state": st.value, "finished_at": time.time() if finished_at is None else finished_at,
            "exit_code": exit_code if exit_code is not None else (0 if st is RunState.FINISHED else None)}


def create_run(catalog: "Catalog", record: dict, *, durable: bool = True) -> None:
    """Write a run record (new, resumed, imported or recovered) and register its project,
    under one lock. The caller may hold `catalog.transaction()` around its own checks."""
    if "state" in record:
        record["state"] = run_state(record["state"]).value
    with catalog.transaction():
        catalog.put("runs", record, durable=durable)
        # the project line is as durable as the run's: a later fsync of the journal (finish())
        # covers it, so the first run of a project does not wait for a disk flush in init()
        catalog.insert_new("projects", {"name": record["project"], "created_at": record.get("created_at")},
                           durable=durable)


def save_run(catalog: "Catalog", run_id: str, fields: "dict | Callable[[dict], None]",
             *, durable: bool = True) -> dict | None:
    """Change fields of a run record (a dict, or a function changing the document under the
    lock); returns the record, None when there is no such run. A "state" given is checked."""
    if isinstance(fields, dict) and "state" in fields:
        fields = dict(fields, state=run_state(fields["state"]).value)
    return catalog.patch("runs", run_id, fields, durable=durable)


def end_run(catalog: "Catalog", run_id: str, state: str, *, only_from: Iterable[str] | None = (RunState.RUNNING,),
            exit_code: int | None = None, finished_at: float | None = None, **fields: Any) -> dict | None:
    """End a run in `state` under the lock (see `end_fields`). With `only_from` (default:
    RUNNING) the state changes only when the record's current state is one of those, so a
    run that recorded its own end keeps it; None ends it whatever it was. A finished_at
    already stored is kept. The other `fields` are written either way. Returns the record,
    None when there is no such run."""
    st = run_state(state)
    allowed = None if only_from is None else {run_state(s).value for s in only_from}

    def change(doc: dict) -> None:
        if allowed is None or doc.get("state", RunState.RUNNING.value) in allowed:
            doc.update(end_fields(st, exit_code, doc.get("finished_at") or finished_at))
        doc.update(fields)
    return catalog.patch("runs", run_id, change)


def delete_run(catalog: "Catalog", run_id: str) -> bool:
    """Remove a run record (its folder is the caller's); False when there was none."""
    return catalog.delete("runs", run_id)


# --- writing sweep records ----------------------------------------------------------------
def claim_entry(run_id: str, config: dict, started_at: float | None, *, here: bool = True) -> dict:
    """One entry of a sweep's `trials` list: the point, when, and (here=True) this process as
    its owner, so a claim whose process died is told from a pending one."""
    entry = {"run_id": run_id, "config": config, "started_at": started_at, "host": None, "pid": None}
    if here:
        entry.update(writer_info())
    return entry


def new_sweep(sweep_id: str, project: str, config: dict, seed: int, *, entity: str | None = None,
              name: str | None = None, trials: list[dict] | None = None, now: float | None = None) -> dict:
    """The record of a sweep created now (state RUNNING); `trials` are its prior runs' claims."""
    now = time.time() if now is None else now
    return {"id": sweep_id, "project": project, "entity": entity, "name": name, "config": config,
            "state": SweepState.RUNNING.value, "seed": seed, "created_at": now, "updated_at": now,
            "trials": list(trials or []), "skip": []}


def create_sweep(catalog: "Catalog", record: dict) -> None:
    """Write a new sweep record and register its project; UsageError if the id exists."""
    with catalog.transaction():
        if not catalog.insert_new("sweeps", record):
            raise UsageError(f"a sweep with id {record['id']!r} already exists")
        catalog.insert_new("projects", {"name": record["project"], "created_at": record["created_at"]})


def patch_sweep(catalog: "Catalog", sweep_id: str, fields: "dict | Callable[[dict], None]") -> dict | None:
    """Change fields of a sweep record (dict or function, under the lock); None if no such sweep."""
    return catalog.patch("sweeps", sweep_id, fields)


def set_sweep_state(catalog: "Catalog", sweep_id: str, state: str, reason: str | None = None) -> dict | None:
    """Move a sweep to `state`; a STOPPED or FINISHED sweep cannot run or pause again
    (UsageError). Returns the record, None when there is no such sweep."""
    st = sweep_state(state)

    def change(doc: dict) -> None:
        if doc.get("state") in (SweepState.STOPPED, SweepState.FINISHED) and not st.ended:
            raise UsageError(f"sweep {sweep_id!r} is {doc['state']}; it cannot be resumed "
                             f"(create a new sweep, or pass prior_runs=...)")
        doc.update(state=st.value, updated_at=time.time())
        if reason:
            doc["reason"] = reason
    return catalog.patch("sweeps", sweep_id, change)


def claim_key(sweep_id: str, n: int) -> str:
    """The id of a sweep's `n`th claim in the "trials" table."""
    return f"{sweep_id}/{n}"


def claim_trial(catalog: "Catalog", sweep_id: str,
                choose: "Callable[[dict], tuple[str, dict] | str | None]") -> tuple[dict | None, str | None, dict | None]:
    """One locked step over the sweep record: `choose(record)` returns the (run_id, config) to
    claim, a reason string to end the sweep (FINISHED), or None to change nothing.

    A claim is a record of its own in the "trials" table (`claim_key(sweep_id, n)`: the point,
    when, and this process as its owner, so a claim whose process died is told from a pending
    one) plus the sweep record with `trial_count` n + 1: its cost does not grow with the trials
    so far. Neither line is fsynced here (one fsync less per trial): other agents see the claim
    once it is appended under the lock and a killed process cannot lose it (it is in the OS's
    cache); the trial's durable finish fsyncs the journal with it. Only a power loss before that
    can drop the claim of a trial that never finished; its run, if recorded, still joins by its
    sweep_id. Returns (record or None when no such sweep, claimed run_id, claimed config)."""
    with catalog.transaction():
        doc = catalog.get("sweeps", sweep_id)
        if doc is None:
            return None, None, None
        doc = dict(doc)
        choice = choose(doc)
        now = time.time()
        if isinstance(choice, str):
            doc.update(state=SweepState.FINISHED.value, reason=choice, updated_at=now)
            catalog.put("sweeps", doc)
            return doc, None, None
        if choice is None:
            return doc, None, None
        run_id, config = choice
        n = int(doc.get("trial_count") or 0)
        claim = dict(claim_entry(run_id, config, now), id=claim_key(sweep_id, n), sweep_id=sweep_id, n=n)
        catalog.put("trials", claim, durable=False)
        doc.update(trial_count=n + 1, updated_at=now)
        catalog.put("sweeps", doc, durable=False)
        return doc, run_id, config


def skip_trials(catalog: "Catalog", sweep_id: str, run_ids: list[str]) -> dict | None:
    """Ask the sweep's agents to stop these trials (the watcher reads `skip`)."""
    return catalog.patch("sweeps", sweep_id, lambda d: d.setdefault("skip", []).extend(run_ids))


def request_sweep_stop(catalog: "Catalog", sweep_id: str) -> dict | None:
    """Flag a sweep to stop (for stores whose agent reads `stop_requested`)."""
    return catalog.patch("sweeps", sweep_id, {"stop_requested": True, "stop_requested_at": time.time()})


def join_sweep(catalog: "Catalog", run_id: str, sweep_id: str) -> dict | None:
    """Make an existing run a trial of `sweep_id` (a run already in another sweep stays there)."""
    return catalog.patch("runs", run_id, lambda d: d.update(sweep_id=d.get("sweep_id") or sweep_id))
