"""A sweep as the sidebar's sweep view draws it: GET sweeps/<id> (its "view" part).

The same pure pieces as the sweep widget and reports, so every view draws the same axes and
the same importance table:

- trials: every run of the sweep in the order they started (number 1, 2, …), with the swept
  parameters' values (dotted names, as the sweep config nests them) and the chosen metric's
  value (`py_tracker.sweeps.best.metric_value`, the one rule of every view);
- axes: one per swept parameter that varies over the trials (constant ones are listed apart
  in `constant`, not drawn, as W&B's panel does), then the metric's. Each axis places every
  trial in [0, 1] and has tick labels in the parameter's own units or its categories
  (`py_tracker.sweeps.axes.axis_values`); on the metric axis a trial without a value is null;
- importance: `py_tracker.sweeps.importance.parameter_importance` of the swept parameters
  against the chosen metric over the ended trials, as the sweep widget (correlation, forest
  importance, and a note saying why a column is missing, e.g. without scikit-learn); a fit is
  remembered for the same results, so polling a sweep does not refit the forest;
- metrics: the numeric summary keys the trials reported, the sweep metric first, for a picker;
- trial_count: every trial of the sweep; `trials` holds at most the newest 1,000 (the runs
  list's page limit), which the view says when it is fewer.

`metric` (the query parameter) picks another of `metrics` for the metric axis and the
importance; the sweep metric is the default. An unknown key is a 400 naming the choices.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from ..formats import flatten
from ..storage.records import RunState
from ..sweeps.axes import axis_values, number
from ..sweeps.best import metric_value
from ..sweeps.importance import ImportanceTable, parameter_importance
from .errors import BadRequest

if TYPE_CHECKING:
    from .store import StoreReader


def swept_params(config: dict) -> list[str]:
    """The searchable parameters of a sweep config (dotted names, sorted as the sweep's
    space sorts them); constants of the config (`value:`) are not swept."""
    params = config.get("parameters") if isinstance(config.get("parameters"), dict) else {}
    try:
        from ..sweeps.space import Space
        return [p.name for p in Space(params).searchable]
    except (KeyError, TypeError, ValueError, AttributeError):  # not a normalized config: its leaves
        return sorted(k for k, v in flatten(params).items()
                      if not (isinstance(v, dict) and "value" in v and len(v) == 1))


def _metric_keys(summaries: list[dict], first: str | None, goal: str) -> list[str]:
    """`first`, then every other numeric summary key of the trials (sorted), for the picker."""
    keys = {str(k) for s in summaries for k in s
            if not str(k).startswith("_") and metric_value(s, str(k), goal) is not None}
    return ([first] if first else []) + sorted(keys - {first})


def sweep_view(store: StoreReader, sweep: dict, records: list[dict], metric: str | None = None) -> dict[str, Any]:
    """The view of `sweep` (a `sweep_docs` entry) over its run `records` (see the module docstring)."""
    cfg = sweep.get("config") if isinstance(sweep.get("config"), dict) else {}
    goal = (sweep.get("metric") or {}).get("goal") or "minimize"
    default = (sweep.get("metric") or {}).get("name")
    records = sorted(records, key=lambda r: (r.get("created_at") or 0, r.get("id") or ""))
    summaries = [r.get("summary") if isinstance(r.get("summary"), dict) else {} for r in records]
    metrics = _metric_keys(summaries, default, goal)
    chosen = metric or default
    if metric and metric not in metrics:
        raise BadRequest(f"metric {metric!r} is not reported by this sweep's trials; "
                         f"use one of {', '.join(metrics) or '(none yet)'}")
    params = swept_params(cfg)
    flats = [flatten(r.get("config") or {}) for r in records]
    values = [metric_value(s, chosen, goal) if chosen else None for s in summaries]
    trials = [{"number": i + 1, "run_id": r.get("id"), "name": r.get("name") or r.get("id"),
               "state": store._state(r), "params": {p: f.get(p) for p in params}, "metric": v}
              for i, (r, f, v) in enumerate(zip(records, flats, values))]
    axes: list[dict] = []
    constant: list[dict] = []
    for p in params:
        col = [f.get(p) for f in flats]
        if len(records) > 1 and len({repr(v) for v in col}) < 2:
            constant.append({"name": p, "value": col[0]})
            continue
        axes.append(_axis(p, col, "parameter"))
    if chosen:
        scored = [v for v in values if v is not None]
        placed, ticks = axis_values(scored)
        it = iter(placed)
        axis = _axis(chosen, scored, "metric", positions=[next(it) if v is not None else None for v in values],
                     ticks=ticks)
        axis["lo"], axis["hi"] = (min(scored), max(scored)) if scored else (None, None)
        axes.append(axis)
    # as the sweep widget: a running trial's metric is not its result yet
    scores = [None if t["state"] == RunState.RUNNING.value else v for t, v in zip(trials, values)]
    table = _importance(flats, scores, params)
    return {
        "metric": {"name": chosen, "goal": goal} if chosen else None, "metrics": metrics,
        "params": params, "trials": trials, "trial_count": max(int(sweep.get("trial_count") or 0), len(trials)),
        "axes": axes, "constant": constant,
        "importance": {"metric": chosen, "trials": table.trials, "note": table.note,
                       "rows": [{"name": r.name, "correlation": r.correlation, "forest": r.forest}
                                for r in table.rows]},
    }


_FITS: dict[tuple, ImportanceTable] = {}  # a forest fit costs ~0.1 s: once per set of results, not per poll
_MAX_FITS = 64
_FITS_LOCK = threading.Lock()  # the handlers' thread pool calls in parallel


def _importance(flats: list[dict], scores: list[float | None], params: list[str]) -> ImportanceTable:
    """`parameter_importance`, remembered for the same parameters, values and scores."""
    key = (tuple(params), tuple((tuple(repr(f.get(p)) for p in params), s) for f, s in zip(flats, scores)))
    with _FITS_LOCK:
        table = _FITS.get(key)
    if table is None:
        table = parameter_importance(flats, scores, params)
        with _FITS_LOCK:
            if len(_FITS) >= _MAX_FITS:
                _FITS.pop(next(iter(_FITS)))
            _FITS[key] = table
    return table


def _axis(name: str, col: list[Any], role: str, positions: list[float | None] | None = None,
          ticks: list[tuple[float, str]] | None = None) -> dict:
    """One parallel axis: numeric or categorical, each trial's position, the tick labels."""
    if positions is None:
        placed, ticks = axis_values(col)
        positions = list(placed)
    numeric = role == "metric" or (bool(col) and all(number(v) is not None for v in col))
    return {"name": name, "role": role, "kind": "numeric" if numeric else "categorical",
            "positions": positions, "ticks": [{"position": at, "label": label} for at, label in ticks or []]}
