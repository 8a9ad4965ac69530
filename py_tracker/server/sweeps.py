"""Sweeps as the sidebar shows them: progress (trials / run cap) and the best value so far.

Reads the catalog's "sweeps" table and the runs that carry `sweep_id`, so it
works whatever the sweep controller stores beyond the common fields (id, name,
project, state, config with method/metric/run_cap, created_at).
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from ..storage import records
from ..storage.records import RunState
from ..sweeps.best import best_run

if TYPE_CHECKING:
    from .store import StoreReader


def _metric(rec: dict) -> dict | None:
    cfg = rec.get("config") if isinstance(rec.get("config"), dict) else {}
    metric = rec.get("metric") or cfg.get("metric")
    if isinstance(metric, str):
        return {"name": metric, "goal": "minimize"}
    if isinstance(metric, dict) and metric.get("name"):
        return {"name": str(metric["name"]), "goal": str(metric.get("goal") or "minimize")}
    return None


def _best(metric: dict | None, trials: list[dict]) -> dict | None:
    """The best trial by the sweep metric (the one rule in `py_tracker.sweeps.best`)."""
    if not metric:
        return None
    best = best_run(trials, metric["name"], metric["goal"], summary=lambda r: r.get("summary") or {})
    return {"run_id": best[0]["id"], "value": best[1]} if best else None


def _expected_runs(store: "StoreReader", rec: dict) -> int | None:
    """Trials the sweep will run: the sweep package's count (grid size or run_cap) when it is
    there, else run_cap from the record or its config; None when unbounded."""
    try:
        from ..sweeps import SweepHandle  # type: ignore[attr-defined]
        cap = SweepHandle(store.api, rec).expected_run_count
    except Exception:  # an older/newer sweep package or an odd record: fall back to the fields
        cfg = rec.get("config") if isinstance(rec.get("config"), dict) else {}
        cap = rec.get("run_cap") or cfg.get("run_cap")
    return cap if isinstance(cap, int) and not isinstance(cap, bool) else None


def sweep_docs(store: "StoreReader", project: str | None = None, sweep_id: str | None = None) -> list[dict[str, Any]]:
    """Sweeps (newest first), each with trial_count, run_cap and best."""
    sweeps = [s for s in store.api.catalog.all("sweeps")
              if (not project or s.get("project") == project) and (not sweep_id or s.get("id") == sweep_id)]
    if not sweeps:
        return []
    trials: dict[str, list[dict]] = defaultdict(list)
    for r in store.api.catalog.all("runs"):
        if r.get("sweep_id"):
            trials[r["sweep_id"]].append(r)
    out = []
    for s in sweeps:
        cfg = s.get("config") if isinstance(s.get("config"), dict) else {}
        metric = _metric(s)
        mine = trials.get(s.get("id"), [])
        cap = _expected_runs(store, s)
        out.append({
            "id": s.get("id"), "name": s.get("name") or cfg.get("name"), "project": s.get("project"),
            "state": s.get("state") or "unknown", "method": s.get("method") or cfg.get("method"),
            "metric": metric, "trial_count": len(mine), "run_cap": cap,
            "best": _best(metric, mine), "created_at": s.get("created_at"),
            "config": cfg,
        })
    out.sort(key=lambda d: d.get("created_at") or 0, reverse=True)
    return out


def request_sweep_stop(store: "StoreReader", sweep_id: str) -> dict:
    """Ask a sweep to stop: through the sweep package when it offers `request_stop`, and
    always by flagging the sweep record and stopping its running trials (their next log()
    raises RunStopped), so the controller ends even while the kernel is busy."""
    handled = False
    try:
        from ..sweeps import SweepHandle  # type: ignore[attr-defined]
        handle = SweepHandle.load(store.api, sweep_id)
        if hasattr(handle, "request_stop"):
            handle.request_stop()
            handled = True
    except (ImportError, AttributeError, LookupError, ValueError):
        pass
    if not handled:
        records.request_sweep_stop(store.api.writable_catalog(), sweep_id)
    stopped = []
    for r in store.api.catalog.all("runs"):
        if r.get("sweep_id") == sweep_id and store._state(r) == RunState.RUNNING:
            store.request_stop(r["id"])
            stopped.append(r["id"])
    return {"ok": True, "state": "stopping", "stopped_runs": stopped}
