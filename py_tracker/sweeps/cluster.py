"""The controller's link to Dask for one parallel agent: every scheduler call goes here.

`TrialCluster` owns the agent's scheduler-side objects (one message `Queue`, the lease
`Variable`, a stop and an attempt `Event` per trial), submits trials, and tracks the
scheduler's health in one place: while the client reconnects no call is made, and after
`grace` seconds without a scheduler (or once the client is closed) `SchedulerLostError`
is raised, naming the scheduler and telling how to resume.
"""
from __future__ import annotations

import logging
import secrets
import time
from typing import Any, Callable

from ..core.trial import TrialContext
from ..errors import TrackerError, UsageError

log = logging.getLogger("py_tracker")

RELEASE_WAIT = 5.0  # seconds an ending agent waits for its stopped trials' tasks to return


class SchedulerLostError(TrackerError, RuntimeError):
    """The Dask scheduler went away during a sweep; running trials were marked crashed."""


class TrialCluster:
    """Dask objects and calls of one agent (see the module docstring)."""

    def __init__(self, client: Any, label: str, *, grace: float, wait_workers: float,
                 lease_timeout: float):
        from distributed import Queue, Variable
        self.client = client
        self.label = label
        self.grace = grace
        self.wait_workers = wait_workers
        self.lease_timeout = lease_timeout
        self.token = secrets.token_hex(6)
        self.queue = Queue(f"py_tracker-{self.token}", client=client)
        self.lease = Variable(f"py_tracker-lease-{self.token}", client=client)
        self.workers: set[str] = set()
        self._submitted: dict[str, tuple[Any, str, str]] = {}  # key -> (future, stop, attempt)
        self._tails: list[Any] = []  # futures of ended trials still returning
        self._lease_n = 0
        self._down_since: float | None = None
        self._no_workers_since: float | None = None

    @property
    def up(self) -> bool:
        return getattr(self.client, "status", "running") == "running"

    def prepare(self) -> None:
        """Workers present and able to run trials (py_tracker importable), one slot each."""
        from .dask_runner import TrialSlots, worker_info
        try:
            self.client.wait_for_workers(1, timeout=self.wait_workers)
        except Exception as exc:
            raise UsageError(f"agent(executor=...): the Dask cluster has no worker after "
                             f"{self.wait_workers:.0f} s ({exc}); start workers or check the address") from None
        try:
            info = self.client.run(worker_info)
        except Exception as exc:
            raise UsageError(f"agent(executor=...): the Dask workers cannot run py_tracker trials "
                             f"({type(exc).__name__}: {exc}); install py_tracker on every worker "
                             f"(pip install 'py_tracker[dask]') in the same environment") from None
        self.client.register_plugin(TrialSlots())
        self.workers = set(info)
        self.lease.set(0)

    def submit(self, function: Callable[[], Any], ctx: TrialContext) -> tuple[Any, str]:
        """Start one trial; returns (future, name of its stop event)."""
        from .dask_runner import RESOURCE, run_trial
        base = f"py_tracker-{self.token}-{ctx.run_id}"
        channel = {"queue": self.queue.name, "stop": base + "-stop", "attempt": base + "-attempt",
                   "lease": self.lease.name, "lease_timeout": self.lease_timeout}
        future = self.client.submit(run_trial, function, ctx, channel, key=base, pure=False,
                                    resources={RESOURCE: 1})
        self._submitted[base] = (future, channel["stop"], channel["attempt"])
        return future, channel["stop"]

    def stop(self, name: str) -> bool:
        """Set a trial's stop event; False if the scheduler could not be told (retry later)."""
        try:
            from distributed import Event
            Event(name, client=self.client).set()
            return True
        except Exception as exc:
            log.warning("py_tracker: could not send a stop to a trial: %s", exc)
            return False

    def messages(self) -> list:
        """Every message the trials' workers have sent since the last call."""
        if not self.up:
            return []
        try:
            return self.queue.get(batch=True)
        except Exception as exc:
            self._failed(exc)
            return []

    def heartbeat(self, busy: bool) -> None:
        """Bump the lease, refresh the worker set; raise when the scheduler or every worker is
        gone for too long."""
        if not self.up:
            status = getattr(self.client, "status", "?")
            self._down_since = self._down_since or time.monotonic()
            if status in ("closed", "closing") or time.monotonic() - self._down_since > self.grace:
                raise SchedulerLostError(self.lost_message(f"the client is {status}"))
            return
        self._down_since = None
        try:
            self._lease_n += 1
            self.lease.set(self._lease_n)
            self.workers = set(self.client.nthreads())
        except Exception as exc:
            self._failed(exc)
            return
        if not self.workers and not busy:
            self._no_workers_since = self._no_workers_since or time.monotonic()
            if time.monotonic() - self._no_workers_since > self.wait_workers:
                raise UsageError(f"agent(executor=...): the Dask cluster has had no worker for "
                                 f"{self.wait_workers:.0f} s; start workers and run agent() again")
        else:
            self._no_workers_since = None
        self._tails = [f for f in self._tails if not f.done()]

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, TimeoutError):
            return
        if self.up:
            self._down_since = self._down_since or time.monotonic()
            if time.monotonic() - self._down_since <= self.grace:
                return
        raise SchedulerLostError(self.lost_message(f"{type(exc).__name__}: {exc}")) from exc

    def lost_message(self, why: str) -> str:
        addr = getattr(getattr(self.client, "scheduler", None), "address", None) or "?"
        return (f"the Dask scheduler {addr} is gone ({why}); the running trials of sweep {self.label} "
                f"were marked crashed, keeping what they logged. Restart the cluster and run agent() "
                f"again to continue the sweep.")

    def keep(self, future: Any) -> None:
        """A trial ended (its end message came) while its task still returns."""
        if not future.done():
            self._tails.append(future)

    def release(self) -> None:
        """Let returning (and stopping) tasks end, then delete the agent's events and queue
        on the scheduler. A task still running after `RELEASE_WAIT` s is cancelled and keeps
        its stop event set, so its worker still stops the trial when it next looks. The lease
        Variable stays: a worker thread may still read it, and reading a deleted Variable
        makes the scheduler log a timeout traceback."""
        if not self.up:
            return
        from distributed import Event, wait
        try:
            wait(self._tails, timeout=RELEASE_WAIT)
        except Exception:
            pass
        try:
            for future, stop, attempt in self._submitted.values():
                names = [attempt]
                if future.done():
                    names.append(stop)
                else:
                    future.cancel()
                for name in names:
                    Event(name, client=self.client).clear()  # clearing deletes an unwaited event
            self.queue.close()
        except Exception as exc:
            log.info("py_tracker: releasing sweep objects on the scheduler failed: %s", exc)
