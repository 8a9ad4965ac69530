"""Sweeps in the catalog: the sweep record, trial claims, and the trial list read back.

A sweep is one document in the catalog's "sweeps" table:
    {id, project, entity, name, config (normalized), seed, state, created_at, updated_at,
     trials: [claim] (prior runs; every claim in stores of earlier versions),
     trial_count: claims in the "trials" table, skip: [run_id], reason}
and each claim made by an agent one document of the "trials" table, keyed "<sweep id>/<n>":
    {id, sweep_id, n, run_id, config, started_at, host, pid, pid_start}
state is "running", "paused", "stopped" or "finished". A trial is a run whose record has
`sweep_id`; its claim is written (under the catalog lock) before the run exists, so two
agents never get the same point and a trial whose process died before `init()` still counts.
A claim appends one claim record and the (small, fixed-size) sweep record with the count:
it costs the same at the 10,000th trial as at the first, where rewriting a growing list cost
in proportion to the trials so far. Claims never change once written, so each process reads
a claim once and keeps it, with the sweep's runs, in its `sweeps.ledger.SweepLedger`.
Everything a strategy needs is derived from this record plus the runs' records and
histories: that is what lets a sweep resume after a kernel restart.
"""
from __future__ import annotations

import math
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import StorageError, UsageError
from ..storage import history as hist
from ..storage.catalog import Catalog
from ..storage.paths import default_root
from ..storage.records import (RunState, SweepState, claim_trial, create_sweep, effective_state, end_run,
                               pid_alive, set_sweep_state, skip_trials)
from .best import metric_value
from .ledger import SweepLedger, ledger_for
from .strategy import Trial, TrialList

HOST = socket.gethostname()
STATES = tuple(s.value for s in SweepState)
_active_claims: set[str] = set()  # claims of this process whose trial is still going
CLAIM_GRACE = 60.0  # seconds a claim from another host counts as pending before its run appears


def split_path(path: str) -> tuple[str | None, str]:
    """'entity/project/id', 'project/id', 'project/sweeps/id' or 'id' -> (project, id)."""
    parts = [p for p in str(path).split("/") if p]
    if not parts:
        raise UsageError("sweep id is empty; pass the id sweep() returned, or 'project/id'")
    if len(parts) >= 2 and parts[-2] == "sweeps":
        parts.pop(-2)
    return (parts[-2] if len(parts) >= 2 else None), parts[-1]


class SweepStore:
    """Read and write one store root's sweeps (any process; writes take the catalog lock)."""

    def __init__(self, root: str | os.PathLike[str] | None = None, catalog: Catalog | None = None):
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.catalog = catalog or Catalog(self.root)
        self.layout = self.catalog.layout
        self._hist_cache: dict[str, list[float]] = {}

    # --- claims ---------------------------------------------------------------
    def ledger(self, rec: dict) -> SweepLedger:
        """This process's ledger of the sweep, brought up to date (see `sweeps.ledger`)."""
        led = ledger_for(self.catalog, rec["id"])
        led.sync(self.catalog, rec)
        return led

    def claims(self, rec: dict) -> list[dict]:
        """Every claim of the sweep in claim order: the record's own list (prior runs, and
        everything a store of an earlier version claimed), then the trials table's. Reads
        only the claims this process has not seen yet. Read-only: do not change them."""
        led = self.ledger(rec)
        with led.lock:
            return list(rec.get("trials") or []) + led.claims

    def _claimed_trials(self, rec: dict) -> TrialList:
        """The claims as Trials of state "claimed" (what strategies without results see), with
        the pending ones (`TrialList.pending`) from the ledger: no pass over every trial."""
        led = self.ledger(rec)
        with led.lock:
            pending = led.pending(self._run_alive, self._claim_alive)
            return led.claimed_view(list(rec.get("trials") or []), pending)

    def _run_alive(self, run: dict) -> bool:
        return effective_state(run, lambda: self.layout.heartbeat(run["id"])) == RunState.RUNNING

    # --- sweep records ------------------------------------------------------
    def get(self, sweep_id: str) -> dict:
        rec = self.catalog.get("sweeps", sweep_id)
        if rec is None:
            raise UsageError(f"no sweep {sweep_id!r} in {self.root}; create one with "
                             f"sweep(config, project=...) or check the id (Api().sweeps())")
        return rec

    def find(self, path: str, project: str | None = None) -> dict:
        proj, sweep_id = split_path(path)
        rec = self.get(sweep_id)
        want = proj or project
        if want is not None and rec.get("project") != want and proj is not None:
            raise UsageError(f"sweep {sweep_id!r} belongs to project {rec.get('project')!r}, not {want!r}")
        return rec

    def create(self, rec: dict) -> None:
        create_sweep(self.catalog, rec)

    def set_state(self, sweep_id: str, state: str, reason: str | None = None) -> dict:
        out = set_sweep_state(self.catalog, sweep_id, state, reason)
        if out is None:
            self.get(sweep_id)
        return out  # type: ignore[return-value]

    def request_skip(self, sweep_id: str, run_ids: list[str]) -> None:
        skip_trials(self.catalog, sweep_id, run_ids)

    def claim(self, sweep_id: str, choose: Callable[[dict, Sequence[Trial]], tuple[str, dict] | str | None],
              results: bool = True) -> tuple[dict, str | None, dict | None]:
        """In one locked read-modify-write of the sweep record: build its trial list, let
        `choose(record, trials)` return (run_id, config) to claim, a reason string to end the
        sweep ("finished"), or None to do nothing. Returns (record, run_id, config).
        results=False: trials carry only id and config (state "claimed"), and the pending
        ones (`TrialList.pending`, kept by the ledger) for strategies that avoid them."""
        def pick(doc: dict) -> tuple[str, dict] | str | None:
            return choose(doc, self.trials(doc) if results else self._claimed_trials(doc))
        rec, run_id, config = claim_trial(self.catalog, sweep_id, pick)
        if rec is None:
            rec = self.get(sweep_id)  # raises: no such sweep
        if run_id is not None:
            _active_claims.add(run_id)
        return rec, run_id, config

    @staticmethod
    def release(run_id: str) -> None:
        """The trial of this claim has ended (its run record tells how)."""
        _active_claims.discard(run_id)

    # --- trials -------------------------------------------------------------
    def runs(self, sweep_id: str) -> dict[str, dict]:
        return {r["id"]: r for r in self.catalog.search("runs", lambda r: r.get("sweep_id") == sweep_id)}

    def trials(self, rec: dict, histories: bool = False) -> list[Trial]:
        """Every trial of the sweep in claim order, with state, metric value and (optionally)
        the metric's logged values. Runs that died while running are marked crashed."""
        metric = (rec.get("config") or {}).get("metric") or {}
        name, goal = metric.get("name"), metric.get("goal", "minimize")
        led = self.ledger(rec)
        with led.lock:  # the sweep's runs as the ledger holds them (no pass over the store)
            claims = list(rec.get("trials") or []) + led.claims
            runs = dict(led.runs)
        out = []
        seen = set()
        for claim in claims:
            run_id = claim["run_id"]
            seen.add(run_id)
            out.append(self._trial(run_id, claim.get("config") or {}, runs.get(run_id), claim,
                                   name, goal, histories))
        for run_id, run in runs.items():  # runs attached by hand
            if run_id not in seen and run.get("sweep_id") == rec["id"]:
                out.append(self._trial(run_id, run.get("config") or {}, run, None, name, goal, histories))
        return out

    def reap(self, rec: dict) -> None:
        """Mark the sweep's runs that died while running as crashed (what `trials()` does on
        the way), without building the trial list: an agent does this once as it starts.
        Looks only at the trials the ledger holds open, not at every run."""
        led = self.ledger(rec)
        with led.lock:
            running = [led.runs[r] for r in led.open if r in led.runs]
        for run in running:
            run_id = run["id"]
            if effective_state(run, self.layout.heartbeat(run_id)) == "crashed" and self.catalog._flock is not None:
                try:
                    self.mark(run_id, "crashed")
                except StorageError:
                    pass  # another process holds the lock long; readers still show it crashed

    def _trial(self, run_id: str, config: dict, run: dict | None, claim: dict | None,
               metric: str | None, goal: str, histories: bool) -> Trial:
        if run is None:
            state = RunState.RUNNING if claim and self._claim_alive(claim) else RunState.CRASHED
            return Trial(run_id, config, state.value)
        state = effective_state(run, lambda: self.layout.heartbeat(run_id))
        if state == RunState.CRASHED and run.get("state") == RunState.RUNNING and not self.catalog.readonly:
            try:
                self.mark(run_id, RunState.CRASHED)
            except StorageError:
                pass  # another process holds the lock long; the state shown is right anyway
        value = metric_value(run.get("summary") or {}, metric, goal) if metric else None
        t = Trial(run_id, config, state, value)
        if histories and metric:
            t.history = self.history(run_id, metric, final=state != RunState.RUNNING)
        return t

    @staticmethod
    def _claim_alive(claim: dict) -> bool:
        if claim.get("host") == HOST and claim.get("pid") == os.getpid():
            return claim["run_id"] in _active_claims
        if claim.get("host") == HOST and claim.get("pid"):
            return pid_alive(int(claim["pid"]), claim.get("pid_start"))
        return time.time() - float(claim.get("started_at") or 0) < CLAIM_GRACE

    def history(self, run_id: str, metric: str, final: bool = False) -> list[float]:
        """The metric's logged values in order (NaN/absent rows skipped); cached once final."""
        if run_id in self._hist_cache:
            return self._hist_cache[run_id]
        base = metric.rsplit(".", 1)[0] if metric.endswith((".min", ".max", ".last", ".mean")) else metric
        try:
            _, cols = hist.read_columns(self.layout.history(run_id), {metric, base})
        except (OSError, ValueError):
            return []
        col = cols.get(metric) if cols.get(metric) is not None else cols.get(base)
        vals: list[Any] = [] if col is None else [float(v) for v in col.tolist()
                                                   if isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   and math.isfinite(v)]
        if final:
            self._hist_cache[run_id] = vals
        return vals

    def mark(self, run_id: str, state: str, **fields: Any) -> None:
        """Set a run record's state (crashed, failed...) unless it already ended otherwise."""
        end_run(self.catalog, run_id, state, **fields)
