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
a claim once (`SweepStore.claims`) and keeps it.
Everything a strategy needs is derived from this record plus the runs' records and
histories: that is what lets a sweep resume after a kernel restart.
"""
from __future__ import annotations

import math
import os
import socket
import time
from pathlib import Path
from typing import Any, Callable

from ..errors import StorageError, UsageError
from ..storage import history as hist
from ..storage.catalog import Catalog
from ..storage.paths import default_root
from ..storage.records import effective_state, pid_alive, pid_start
from .best import metric_value
from .strategy import Trial

HOST = socket.gethostname()
STATES = ("running", "paused", "stopped", "finished")
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
        self._claims: dict[str, list[dict]] = {}  # sweep id -> claims of the trials table read so far
        self._claimed: dict[str, list[Trial]] = {}  # ... and as "claimed" Trials (results=False)

    # --- claims ---------------------------------------------------------------
    @staticmethod
    def claim_key(sweep_id: str, n: int) -> str:
        return f"{sweep_id}/{n}"

    def claims(self, rec: dict) -> list[dict]:
        """Every claim of the sweep in claim order: the record's own list (prior runs, and
        everything a store of an earlier version claimed), then the trials table's. Reads
        only the claims this store object has not seen yet. Read-only: do not change them."""
        sweep_id = rec["id"]
        known = self._claims.setdefault(sweep_id, [])
        count = int(rec.get("trial_count") or 0)
        if count > len(known):
            for claim in self.catalog.get_many("trials", [self.claim_key(sweep_id, n)
                                                          for n in range(len(known), count)]):
                if claim is None:  # (a store rebuilt by doctor without its trials table)
                    break
                known.append(claim)
        return list(rec.get("trials") or []) + known

    def _claimed_trials(self, rec: dict) -> list[Trial]:
        """`claims(rec)` as Trials of state "claimed" (what strategies without results see)."""
        claims = self.claims(rec)
        own = list(rec.get("trials") or [])
        cached = self._claimed.setdefault(rec["id"], [])
        table = claims[len(own):]
        cached.extend(Trial(c["run_id"], c.get("config") or {}, "claimed") for c in table[len(cached):])
        return [Trial(c["run_id"], c.get("config") or {}, "claimed") for c in own] + cached

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
        with self.catalog.transaction():
            if not self.catalog.insert_new("sweeps", rec):
                raise UsageError(f"a sweep with id {rec['id']!r} already exists")
            self.catalog.insert_new("projects", {"name": rec["project"], "created_at": rec["created_at"]})

    def set_state(self, sweep_id: str, state: str, reason: str | None = None) -> dict:
        if state not in STATES:
            raise UsageError(f"sweep state must be one of {STATES}, got {state!r}")

        def change(doc: dict) -> None:
            if doc.get("state") in ("stopped", "finished") and state in ("running", "paused"):
                raise UsageError(f"sweep {sweep_id!r} is {doc['state']}; it cannot be resumed "
                                 f"(create a new sweep, or pass prior_runs=...)")
            doc.update(state=state, updated_at=time.time())
            if reason:
                doc["reason"] = reason
        out = self.catalog.patch("sweeps", sweep_id, change)
        if out is None:
            self.get(sweep_id)
        return out  # type: ignore[return-value]

    def request_skip(self, sweep_id: str, run_ids: list[str]) -> None:
        self.catalog.patch("sweeps", sweep_id, lambda d: d.setdefault("skip", []).extend(run_ids))

    def claim(self, sweep_id: str, choose: Callable[[dict, list[Trial]], tuple[str, dict] | str | None],
              results: bool = True) -> tuple[dict, str | None, dict | None]:
        """In one locked read-modify-write of the sweep record: build its trial list, let
        `choose(record, trials)` return (run_id, config) to claim, a reason string to end the
        sweep ("finished"), or None to do nothing. Returns (record, run_id, config).
        results=False: trials carry only id and config (state "claimed"); runs are not read."""
        picked: dict[str, Any] = {}
        with self.catalog.transaction():
            doc = self.get(sweep_id)  # raises: no such sweep
            trials = self.trials(doc) if results else self._claimed_trials(doc)
            choice = choose(doc, trials)
            now = time.time()
            if isinstance(choice, str):
                doc.update(state="finished", reason=choice, updated_at=now)
                self.catalog.put("sweeps", doc)
            elif choice is not None:
                run_id, config = choice
                pid = os.getpid()
                n = int(doc.get("trial_count") or 0)
                self.catalog.put("trials", {"id": self.claim_key(sweep_id, n), "sweep_id": sweep_id, "n": n,
                                            "run_id": run_id, "config": config, "started_at": now,
                                            "host": HOST, "pid": pid, "pid_start": pid_start(pid)},
                                 durable=False)
                doc.update(trial_count=n + 1, updated_at=now)
                # Not fsynced here (one fsync less per trial): other agents see the claim once it
                # is appended under the lock, and a killed process cannot lose it (it is in the
                # OS's cache); the trial's durable finish fsyncs the journal (or a snapshot that
                # holds it) with it. Only a power loss before that can drop the claim of a trial
                # that never finished; its run, if recorded, still joins by its sweep_id.
                self.catalog.put("sweeps", doc, durable=False)
                picked.update(run_id=run_id, config=config)
        if picked:
            _active_claims.add(picked["run_id"])
        return doc, picked.get("run_id"), picked.get("config")

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
        claims = self.claims(rec)
        claimed = {c["run_id"] for c in claims}
        sid = rec["id"]
        # one pass over the records as held (no copies: _trial only reads them)
        runs = {r["id"]: r for r in self.catalog.scan("runs") if r.get("sweep_id") == sid or r.get("id") in claimed}
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
        the way), without building the trial list: an agent does this once as it starts."""
        claimed = {c["run_id"] for c in self.claims(rec)}
        sid = rec["id"]
        for run in self.catalog.scan("runs"):
            if run.get("state", "running") == "running" and (run.get("sweep_id") == sid or run.get("id") in claimed):
                run_id = run["id"]
                if effective_state(run, self.layout.heartbeat(run_id)) == "crashed" and self.catalog._flock is not None:
                    try:
                        self.mark(run_id, "crashed")
                    except StorageError:
                        pass  # another process holds the lock long; readers still show it crashed

    def _trial(self, run_id: str, config: dict, run: dict | None, claim: dict | None,
               metric: str | None, goal: str, histories: bool) -> Trial:
        if run is None:
            state = "running" if claim and self._claim_alive(claim) else "crashed"
            return Trial(run_id, config, state)
        running = run.get("state", "running") == "running"
        state = effective_state(run, self.layout.heartbeat(run_id) if running else None)
        if state == "crashed" and run.get("state") == "running" and self.catalog._flock is not None:
            try:
                self.mark(run_id, "crashed")
            except StorageError:
                pass  # another process holds the lock long; the state shown is right anyway
        value = metric_value(run.get("summary") or {}, metric, goal) if metric else None
        t = Trial(run_id, config, state, value)
        if histories and metric:
            t.history = self.history(run_id, metric, final=state not in ("running",))
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
        def change(doc: dict) -> None:
            if doc.get("state") == "running":
                doc.update(state=state, finished_at=doc.get("finished_at") or time.time(), **fields)
            else:
                doc.update(**fields)
        self.catalog.patch("runs", run_id, change)
