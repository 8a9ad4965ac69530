"""`SweepHandle`: what `Api().sweep("project/id")` returns — W&B's Sweep object plus control.

Reads come from the catalog (any process); `stop()`, `pause()`, `resume()` and `skip()`
write the sweep's state there, and every agent honours it: between trials for pause,
within about a second for stop and skip (the running trial ends as "stopped", keeping
what it logged).
"""
from __future__ import annotations

import math
from typing import Any

from ..errors import UsageError
from ..storage.records import RunState, SweepState
from .space import Space
from .best import best_run
from .store import SweepStore, split_path


class SweepHandle:
    """One sweep: `id`, `project`, `name`, `state`, `config`, `runs`, `best_run()`,
    `trials()`, `stop()`, `pause()`, `resume()`, `skip()`, `reload()`."""

    def __init__(self, api: Any, record: dict):
        self._api = api
        self._rec = record
        self.id: str = record["id"]

    @classmethod
    def load(cls, api: Any, path: str) -> "SweepHandle":
        project, sweep_id = split_path(path)
        rec = api.catalog.get("sweeps", sweep_id)
        if rec is None or (project is not None and rec.get("project") != project):
            where = f"project {project!r}" if project else str(api.root)
            raise UsageError(f"no sweep {sweep_id!r} in {where}; list sweeps with Api().sweeps()")
        return cls(api, rec)

    def _store(self, write: bool = False) -> SweepStore:
        cat = self._api.writable_catalog() if write else self._api.catalog
        return SweepStore(self._api.root, catalog=cat)

    def reload(self) -> "SweepHandle":
        rec = self._api.catalog.get("sweeps", self.id)
        if rec is not None:
            self._rec = rec
        return self

    load_ = reload

    # --- fields -------------------------------------------------------------
    project = property(lambda self: self._rec.get("project"))
    entity = property(lambda self: self._rec.get("entity"))
    created_at = property(lambda self: self._rec.get("created_at"))
    seed = property(lambda self: self._rec.get("seed"))

    @property
    def name(self) -> str:
        return self._rec.get("name") or self.id

    @property
    def path(self) -> str:
        return f"{self.project}/{self.id}"

    @property
    def state(self) -> str:
        """"running", "paused", "stopped" or "finished" (re-read on every access)."""
        return self.reload()._rec.get("state", SweepState.RUNNING.value)

    @property
    def reason(self) -> str | None:
        """Why the sweep ended (run_cap, target, grid exhausted, stopped by user)."""
        return self._rec.get("reason")

    @property
    def config(self) -> dict:
        return dict(self._rec.get("config") or {})

    @property
    def method(self) -> str:
        return self.config.get("method")

    @property
    def expected_run_count(self) -> int | None:
        """Grid size (or run_cap if smaller) for grid; run_cap otherwise; None if unbounded."""
        cfg = self.config
        cap = cfg.get("run_cap")
        if cfg.get("method") == "grid":
            n = Space(cfg["parameters"]).grid_size()
            return min(n, cap) if cap else n
        return cap

    @property
    def runs(self) -> list:
        """The trials' runs (ApiRun), in the order the trials started."""
        self.reload()
        order = {c["run_id"]: i for i, c in enumerate(self._store().claims(self._rec))}
        recs = self._api.catalog.search("runs", lambda r: r.get("sweep_id") == self.id or r["id"] in order)
        recs.sort(key=lambda r: (order.get(r["id"], math.inf), r.get("created_at") or 0))
        return [self._api.run_view(r) for r in recs]

    def trials(self) -> list[dict]:
        """Every trial, run or not yet: {id, config, state, value} (value = the metric)."""
        return [{"id": t.id, "config": t.config, "state": t.state, "value": t.value}
                for t in self._store().trials(self.reload()._rec)]

    @property
    def order(self) -> str | None:
        """W&B's order key of the sweep metric: "+summary_metrics.loss" (minimize) or
        "-summary_metrics.acc" (maximize); None when the sweep has no metric."""
        metric = self.config.get("metric") or {}
        if not metric.get("name"):
            return None
        return ("-" if metric.get("goal") == "maximize" else "+") + f"summary_metrics.{metric['name']}"

    def best_run(self, order: str | None = None) -> Any:
        """The run with the best summary value of the sweep metric (or of `order`, e.g.
        "-accuracy" / "+loss"); None when no run logged it."""
        metric = self.config.get("metric") or {}
        if order:
            key, maximize = order.lstrip("+-"), order.startswith("-")
            key = key.removeprefix("summary_metrics.").removeprefix("summary.")
        elif metric.get("name"):
            key, maximize = metric["name"], metric.get("goal") == "maximize"
        else:
            raise UsageError("best_run(): the sweep has no metric; pass order='-accuracy' or '+loss'")
        best = best_run(self.runs, key, "maximize" if maximize else "minimize")
        return best[0] if best else None

    # --- control ------------------------------------------------------------
    def _running_ids(self) -> list[str]:
        return [t["id"] for t in self.trials() if t["state"] == RunState.RUNNING]

    def stop(self) -> None:
        """Stop the sweep: running trials end now as "stopped" (keeping what they logged),
        no new trial starts; agents return."""
        store = self._store(write=True)
        store.set_state(self.id, SweepState.STOPPED, reason="stopped by user") if self.state not in (
            SweepState.STOPPED, SweepState.FINISHED) else None
        for run_id in self._running_ids():
            flag = store.layout.stop_flag(run_id)
            flag.parent.mkdir(parents=True, exist_ok=True)
            flag.write_text("sweep stopped")
        self.reload()

    cancel = stop
    request_stop = stop  # the server extension's name for it

    def pause(self) -> None:
        """No new trial starts (the running ones finish); agents wait for resume()."""
        if self.state != SweepState.RUNNING:
            raise UsageError(f"sweep {self.id} is {self.state}; only a running sweep can be paused")
        self._store(write=True).set_state(self.id, SweepState.PAUSED)
        self.reload()

    def resume(self) -> None:
        """Undo pause(): waiting agents start trials again."""
        if self.state == SweepState.RUNNING:
            return
        self._store(write=True).set_state(self.id, SweepState.RUNNING)
        self.reload()

    def skip(self) -> list[str]:
        """End the running trials now (as "stopped"); the sweep goes on. Returns their ids."""
        ids = self._running_ids()
        if ids:
            self._store(write=True).request_skip(self.id, ids)
        return ids

    def __repr__(self) -> str:
        return f"<Sweep {self.path} ({self.method}) state={self._rec.get('state')}>"
