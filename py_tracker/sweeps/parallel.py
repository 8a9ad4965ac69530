"""Parallel sweep trials on Dask: the notebook stays the controller and the single writer.

    py_tracker.agent(sweep_id, function=train, count=64, executor=client, parallel=8)

`ParallelAgent` keeps up to `parallel` trials in flight (never more than the cluster has
worker processes: one trial per process). Each trial is claimed exactly as the serial
agent claims it (under the catalog lock, pending trials counted, so bayes spreads its
points), gets its run record at once (`TrialMirror`), and is submitted as a Dask task
(`dask_runner.run_trial`). One loop on the calling thread drains the trials' run-sink
calls (rows, files, records, events: never store files) from a `distributed.Queue`,
replays them into the store's `StoreSink`, beats the records' heartbeats,
forwards stops to the workers' stop events (sweep stop and skip, read once per
`WATCH_POLL` for all trials; hyperband over all trials' mirrored histories; a run's stop
flag from the sidebar), and notices faults:

- a worker that leaves the cluster mid-trial: the trial is marked crashed (rows already
  received are kept), its task cancelled (Dask would otherwise re-run it; the attempt
  event makes a re-run return at once), and the sweep goes on with the other workers;
- the scheduler gone for `SCHEDULER_GRACE` s: running trials are marked crashed and
  `SchedulerLostError` is raised; the sweep stays "running", so `agent()` resumes it;
- the controller itself dies: its trials' records name it as writer, so they count as
  crashed, and workers stop them when its lease stops changing.
"""
from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..core.trial import TrialContext
from ..errors import UsageError
from ..storage.records import RunState, SweepState
from ..storage.sink import StoreSink
from . import hyperband
from .api import Agent
from .cluster import SchedulerLostError, TrialCluster
from .mirror import TrialMirror
from .runners import FunctionRunner
from .store import SweepStore
from .watcher import HYPERBAND_POLL, POLL as WATCH_POLL

log = logging.getLogger("py_tracker")

POLL = 0.05             # seconds between queue polls when nothing arrived
TICK = 1.0              # seconds between heartbeats, lease bumps, worker checks, record saves
SCHEDULER_GRACE = 10.0  # seconds the client may spend reconnecting before the agent gives up
WAIT_WORKERS = 60.0     # seconds to wait for a first worker
LEASE_TIMEOUT = 30.0    # seconds without the controller's lease bump before workers stop its trials

__all__ = ["ParallelAgent", "SchedulerLostError", "parallel_agent"]


@dataclass
class _Trial:
    mirror: TrialMirror
    future: Any
    stop_name: str
    reason: str | None = None
    stop_sent: bool = False
    lost: bool = False


class ParallelAgent(Agent):
    """Runs a sweep's trials on a Dask cluster, `parallel` at a time (see the module doc)."""

    def __init__(self, store: SweepStore, sweep_id: str, function: Callable[[], Any], client: Any,
                 parallel: int, on_event: Callable[[str, dict], None] | None = None):
        FunctionRunner(function, store.catalog)  # the same argument checks as the serial agent
        super().__init__(store, sweep_id, runner=None, on_event=on_event)  # type: ignore[arg-type]
        self.function = function
        self.parallel = parallel
        self.cluster = TrialCluster(client, sweep_id, grace=SCHEDULER_GRACE, wait_workers=WAIT_WORKERS,
                                    lease_timeout=LEASE_TIMEOUT)
        self.sink = StoreSink(store.layout.root, store.catalog)  # every trial's writes, one writer
        self.active: dict[str, _Trial] = {}
        self.over = False
        self.paused = False
        self._last_tick = self._last_watch = self._last_hyperband = self._last_state_check = 0.0
        self._told_paused = False

    # --- the loop -----------------------------------------------------------------
    def run(self, count: int | None = None) -> int:
        """Run trials until `count`, the sweep's end, or a stop; returns how many started."""
        self.done = 0
        self.store.reap(self.store.get(self.sweep_id))  # marks trials of a dead controller crashed
        self.cluster.prepare()
        failed: BaseException | None = None
        try:
            while True:
                now = time.monotonic()
                if now - self._last_tick >= TICK:
                    self._last_tick = now
                    self._tick()
                self._watch(now)
                self._fill(count)
                if not self.active and (self.over or (count is not None and self.done >= count)):
                    break
                if not self.active and self.paused:
                    self._say_paused()
                got = self._pump()
                self._reap()
                if not got:
                    time.sleep(POLL)
        except BaseException as exc:
            failed = exc
            raise
        finally:
            self._shutdown(failed)
        return self.done

    def _fill(self, count: int | None) -> None:
        limit = min(self.parallel, len(self.cluster.workers))  # one trial per worker process
        while (not self.over and len(self.active) < limit and (count is None or self.done < count)
               and self.cluster.up):
            if self.paused:
                now = time.monotonic()
                if now - self._last_state_check < 0.2:
                    return
                self._last_state_check = now
                state = self.store.get(self.sweep_id).get("state")
                if state == SweepState.PAUSED:
                    return
                self.paused = False
                if state != SweepState.RUNNING:
                    self.over = True
                    return
            rec, run_id, point = self.store.claim(self.sweep_id, self.choose, self.results)
            if run_id is None:
                if rec.get("state") == SweepState.PAUSED:
                    self.paused = True
                else:
                    self.over = True
                return
            self.done += 1
            self._start(rec, run_id, point or {})

    def _start(self, rec: dict, run_id: str, point: dict) -> None:
        ctx = TrialContext(self.sweep_id, rec["project"], run_id, point)
        mirror = TrialMirror(self.store, ctx, self.sink)
        mirror.create()
        try:
            future, stop_name = self.cluster.submit(self.function, ctx)
        except Exception as exc:
            mirror.finish(RunState.CRASHED if not self.cluster.up else RunState.FAILED)
            self.store.release(run_id)
            if not self.cluster.up:
                raise SchedulerLostError(self.cluster.lost_message(f"{type(exc).__name__}: {exc}")) from exc
            raise UsageError(f"agent(executor=...): could not submit trial {run_id} to Dask: "
                             f"{type(exc).__name__}: {exc}") from exc
        self.active[run_id] = _Trial(mirror, future, stop_name)
        self._emit("start", {"run_id": run_id, "config": point})

    def _stop(self, trial: _Trial, reason: str) -> None:
        """Ask the trial's worker to stop it (idempotent; the first reason is kept)."""
        trial.reason = trial.reason or reason
        if not trial.stop_sent:
            trial.stop_sent = self.cluster.stop(trial.stop_name)

    # --- periodic work ---------------------------------------------------------------
    def _watch(self, now: float) -> None:
        """Sweep stop/skip and hyperband for every running trial: one read of the sweep."""
        if not self.active or now - self._last_watch < WATCH_POLL:
            return
        self._last_watch = now
        try:
            rec = self.store.get(self.sweep_id)
            skip = set(rec.get("skip") or ())
            for run_id, t in list(self.active.items()):
                if rec.get("state") == SweepState.STOPPED:
                    self._stop(t, "sweep stopped")
                elif run_id in skip:
                    self._stop(t, "skipped")
            cfg = rec.get("config") or {}
            et = cfg.get("early_terminate")
            if et and rec.get("state") != SweepState.STOPPED and now - self._last_hyperband >= HYPERBAND_POLL:
                self._last_hyperband = now
                goal = (cfg.get("metric") or {}).get("goal", "minimize")
                for run_id in hyperband.to_stop(et, goal, self.store.trials(rec, histories=True)):
                    if run_id in self.active:
                        self._stop(self.active[run_id], "hyperband")
        except Exception as exc:  # watching must never take the agent down
            log.warning("py_tracker: watching sweep %s: %s", self.sweep_id, exc)

    def _tick(self) -> None:
        """Once a second: lease and worker set, heartbeats and records, lost workers, stop flags."""
        self.cluster.heartbeat(busy=bool(self.active))
        workers = self.cluster.workers
        for t in self.active.values():
            m = t.mirror
            m.beat()
            try:
                m.save_meta()
            except Exception as exc:
                log.warning("py_tracker: could not save trial %s: %s", m.run_id, exc)
            if m.worker is not None and m.worker not in workers and m.end is None:
                t.lost = True
            if not t.stop_sent and self.store.layout.stop_flag(m.run_id).exists():
                self._stop(t, self._flag_reason())

    def _flag_reason(self) -> str:
        """Why a trial's stop flag is there: `SweepHandle.stop()` marks the sweep stopped before
        it writes the flags, so a stopped sweep means "sweep stopped" whichever of this tick and
        the sweep watch sees it first; otherwise a user stopped that run."""
        try:
            stopped = self.store.get(self.sweep_id).get("state") == SweepState.STOPPED
        except Exception:  # the record cannot be read now: the flag alone says a user asked
            stopped = False
        return "sweep stopped" if stopped else "stopped by user"

    def _pump(self) -> int:
        """Apply every message waiting in the queue; returns how many there were."""
        msgs = self.cluster.messages()
        for msg in msgs:
            t = self.active.get(msg.get("run")) if isinstance(msg, dict) else None
            if t is not None:
                t.mirror.apply(msg)
        return len(msgs)

    def _reap(self) -> None:
        for run_id, t in list(self.active.items()):
            m = t.mirror
            if m.end is not None:
                outcome = m.end.get("outcome") or RunState.FAILED.value
                state = (m.last_meta.get("state") if m.last_meta.get("state") in
                         (RunState.FINISHED, RunState.FAILED, RunState.STOPPED) else None) or outcome
                if outcome == RunState.FAILED and state == RunState.FINISHED:
                    state = RunState.FAILED.value
                if state == RunState.FAILED and m.end.get("error"):
                    print(f"py_tracker: trial {run_id} of sweep {self.sweep_id} failed on {m.worker}; the agent "
                          f"goes on with the next trial.\n{m.end['error']}", file=sys.stderr)
                self._finish(t, state)
            elif t.lost or t.future.done():
                self._pump()  # what the worker sent before its task ended is in the queue now
                if m.end is not None:
                    continue  # handled on the next pass, like any other end
                state, note = RunState.CRASHED.value, "its worker died"
                if not t.lost and t.future.status == "error":
                    exc = t.future.exception()
                    if type(exc).__name__ != "KilledWorker":
                        state, note = RunState.FAILED.value, f"{type(exc).__name__}: {exc}"
                print(f"py_tracker: trial {run_id} of sweep {self.sweep_id} ended {state} on "
                      f"{m.worker or 'a Dask worker'} ({note}); the agent goes on.", file=sys.stderr)
                if not t.future.done():
                    t.future.cancel()
                self._finish(t, state)

    def _finish(self, t: _Trial, state: str, reason: str | None = None) -> None:
        m = t.mirror
        reason = reason or t.reason
        self.cluster.keep(t.future)
        try:
            m.finish(state, reason=reason)
        finally:
            self.active.pop(m.run_id, None)
            self.store.release(m.run_id)
            error = (m.end or {}).get("error") if state == RunState.FAILED else None
            self._emit("end", {"run_id": m.run_id, "outcome": state, "reason": reason, "error": error})

    def _say_paused(self) -> None:
        if not self._told_paused:
            self._told_paused = True
            print(f"py_tracker: sweep {self.sweep_id} is paused; the agent waits for resume() or stop().",
                  file=sys.stderr)

    def _shutdown(self, failed: BaseException | None) -> None:
        """Leave the store consistent: trials still in flight end crashed (scheduler lost) or
        failed (interrupted), their workers are told to stop, scheduler objects released."""
        state = RunState.CRASHED.value if isinstance(failed, SchedulerLostError) else RunState.FAILED.value
        up = self.cluster.up
        for t in list(self.active.values()):
            if up:  # the worker stops the trial; release() waits a little for its task
                self._stop(t, "agent interrupted")
                self._pump()
            try:
                self._finish(t, state, reason=t.reason or ("scheduler lost" if state == RunState.CRASHED
                                                           else "agent interrupted"))
            except Exception as exc:
                log.warning("py_tracker: could not record the end of trial %s: %s", t.mirror.run_id, exc)
        self.cluster.release()


def parallel_agent(sweep_id: str, function: Callable[[], Any] | None, *, project: str | None = None,
                   count: int | None = None, root: Any = None, executor: Any = None, parallel: int = 1,
                   on_event: Callable[[str, dict], None] | None = None) -> int:
    """`agent(..., executor=..., parallel=N)`: run the sweep's trials on Dask (see the module doc).

    executor: a `distributed.Client`, a cluster, a scheduler address, "processes", or None
    with parallel > 1 (then a LocalCluster of `parallel` worker processes is made and
    closed afterwards). Returns the number of trials started."""
    from .executors import check_function, require_dask, resolve_executor
    if isinstance(parallel, bool) or not isinstance(parallel, int) or parallel < 1:
        raise UsageError(f"agent(parallel={parallel!r}): give the number of trials to run at once, "
                         f"a positive integer")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise UsageError(f"agent(count={count!r}): give a positive integer (or None for no limit)")
    require_dask()
    if function is None:
        raise UsageError("agent(executor=...) runs a Python function on the workers: pass function=train")
    store = SweepStore(root)
    rec = store.find(sweep_id, project)
    FunctionRunner(function, store.catalog)
    check_function(function)
    client, owned = resolve_executor(executor, parallel)
    try:
        return ParallelAgent(store, rec["id"], function, client, parallel, on_event).run(count)
    finally:
        if owned:
            client.close()
