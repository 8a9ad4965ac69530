"""The best run of a sweep: one rule for every view (Api, sidebar, report, sweep widget).

A run's score is `metric_value(summary, name, goal)`: the summary key itself, a dotted
path into nested dicts, or — when `define_metric(name, summary="min"/"max"/...)` made the
summary value a dict — its "min"/"max" (by goal), then "last", "mean". Every run with a
finite score counts, whatever its state, as W&B's `Sweep.best_run()` does; ties go to the
earlier item. `tests/contracts/test_best_metric.py` checks that every view agrees.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")


def metric_value(summary: dict, name: str, goal: str = "minimize") -> float | None:
    """The sweep metric out of a run summary (see the module docstring). None when
    absent or not a finite number."""
    v: Any = summary.get(name) if isinstance(summary, dict) else None
    if v is None and "." in name:
        v = summary
        for part in name.split("."):
            v = v.get(part) if isinstance(v, dict) else None
    if isinstance(v, dict):
        order = ("min", "max") if goal != "maximize" else ("max", "min")
        v = next((v[k] for k in (*order, "last", "mean") if k in v), None)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        return None
    return float(v)


def best_of(items: Iterable[T], score: Callable[[T], float | None], goal: str) -> tuple[T, float] | None:
    """The item with the best finite score (lowest, or highest when `goal` is "maximize")
    and that score; None when no item has one. Ties: the earlier item."""
    sign = -1.0 if goal == "maximize" else 1.0
    best: tuple[T, float] | None = None
    for item in items:
        v = score(item)
        if v is not None and (best is None or sign * v < sign * best[1]):
            best = (item, v)
    return best


def best_run(runs: Iterable[T], name: str, goal: str,
             summary: Callable[[T], dict] = lambda r: r.summary) -> tuple[T, float] | None:  # type: ignore[attr-defined]
    """The run (any object; `summary(run)` gives its summary dict) with the best `name`."""
    return best_of(runs, lambda r: metric_value(summary(r) or {}, name, goal), goal)


def running_best(items: Iterable[T], score: Callable[[T], float | None], goal: str) -> list[tuple[T, float]]:
    """The best score so far after each scored item, in order (a sweep's "best so far" line)."""
    out: list[tuple[T, float]] = []
    sign = -1.0 if goal == "maximize" else 1.0
    for item in items:
        v = score(item)
        if v is None:
            continue
        cur = v if not out or sign * v < sign * out[-1][1] else out[-1][1]
        out.append((item, cur))
    return out
