"""`run.summary` and `define_metric`: one value (or a few statistics) per metric.

By default the summary holds each key's last logged value. `define_metric`
asks for min/max/mean/first/last instead (W&B's shape: summary["loss"] ==
{"min": ..., "last": ...}); names may end in `*` to match a prefix. Values set
by the user win over logged ones.
"""
from __future__ import annotations

import fnmatch
import math
from typing import Any, Callable, Iterator

from .values import config_value

STATS = ("min", "max", "mean", "first", "last", "best", "none", "copy")


class MetricDef:
    """One `define_metric` call: which statistics to keep, its x-axis and its goal."""

    def __init__(self, name: str, step_metric: str | None = None, summary: str | None = None,
                 goal: str | None = None, hidden: bool = False):
        if not isinstance(name, str) or not name:
            raise ValueError("define_metric needs a metric name, e.g. define_metric('val/loss', summary='min')")
        stats = [s.strip() for s in (summary or "").split(",") if s.strip()]
        for s in stats:
            if s not in STATS:
                raise ValueError(f"define_metric({name!r}): unknown summary {s!r}; use any of min,max,mean,first,last,best,none")
        if goal is not None and goal not in ("minimize", "maximize", "min", "max"):
            raise ValueError(f"define_metric({name!r}): goal must be 'minimize' or 'maximize', got {goal!r}")
        self.name, self.step_metric, self.stats, self.hidden = name, step_metric, stats, hidden
        self.goal = {"min": "minimize", "max": "maximize"}.get(goal or "", goal)

    def matches(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.name) if "*" in self.name else key == self.name

    def to_dict(self) -> dict:
        return {"name": self.name, "step_metric": self.step_metric, "summary": ",".join(self.stats),
                "goal": self.goal, "hidden": self.hidden}


def step_metric_defs(metrics: Any) -> dict[str, str]:
    """{metric name or glob: step metric} from a run record's `metrics` (define_metric calls)."""
    return {m["name"]: m["step_metric"] for m in metrics or []
            if isinstance(m, dict) and m.get("name") and m.get("step_metric")}


def step_metric_for(key: str, defs: dict[str, str]) -> str | None:
    """The step metric defined for `key` (exact name first, then `*` globs), or None."""
    if key in defs:
        return defs[key]
    for pattern, sm in defs.items():
        if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
            return sm
    return None


class _Agg:
    __slots__ = ("min", "max", "sum", "n", "first", "last")

    def __init__(self) -> None:
        self.min = math.inf
        self.max = -math.inf
        self.sum = 0.0
        self.n = 0
        self.first: Any = None
        self.last: Any = None

    def add(self, v: Any) -> None:
        if self.n == 0 and self.first is None:
            self.first = v
        self.last = v
        if type(v) in (int, float) and v == v:
            if v < self.min:
                self.min = v
            if v > self.max:
                self.max = v
            self.sum += v
            self.n += 1


class Summary:
    """Dict-like view: explicit values > define_metric statistics > last logged value."""

    def __init__(self, on_change: Callable[[], None] | None = None, initial: dict | None = None):
        self._last: dict[str, Any] = {}
        self._explicit: dict[str, Any] = dict(initial or {})
        self._defs: list[MetricDef] = []
        self._key_def: dict[str, MetricDef | None] = {}
        self._aggs: dict[str, _Agg] = {}
        self._on_change = on_change

    # called by Run.log on the hot path when any metric is defined
    def observe(self, row: dict) -> None:
        for k, v in row.items():
            d = self._key_def.get(k, False)
            if d is False:
                d = self._key_def[k] = next((m for m in reversed(self._defs) if m.matches(k)), None)
            if d is not None and d.stats:
                agg = self._aggs.get(k)
                if agg is None:
                    agg = self._aggs[k] = _Agg()
                agg.add(v)

    def define(self, m: MetricDef) -> None:
        self._defs.append(m)
        self._key_def.clear()

    def _value(self, key: str) -> Any:
        if key in self._explicit:
            return self._explicit[key]
        agg = self._aggs.get(key)
        d = self._key_def.get(key)
        if agg is not None and d is not None and d.stats:
            out: dict[str, Any] = {}
            for s in d.stats:
                if s == "min" and agg.n:
                    out["min"] = agg.min
                elif s == "max" and agg.n:
                    out["max"] = agg.max
                elif s == "mean" and agg.n:
                    out["mean"] = agg.sum / agg.n
                elif s == "first":
                    out["first"] = agg.first
                elif s in ("last", "copy"):
                    out["last"] = agg.last
                elif s == "best" and agg.n:
                    out["best"] = agg.max if d.goal == "maximize" else agg.min
            if "none" in d.stats:
                return None
            return out
        return self._last[key]

    def __getitem__(self, key: str) -> Any:
        if key not in self._explicit and key not in self._last:
            raise KeyError(key)
        return self._value(key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._explicit[key] = config_value(value, key)
        if self._on_change:
            self._on_change()

    def update(self, d: dict | None = None, **kw: Any) -> None:
        for k, v in dict(d or {}, **kw).items():
            self._explicit[k] = config_value(v, k)
        if self._on_change:
            self._on_change()

    def __delitem__(self, key: str) -> None:
        self._explicit.pop(key, None)
        self._last.pop(key, None)
        self._aggs.pop(key, None)
        if self._on_change:
            self._on_change()

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> list[str]:
        return list(dict.fromkeys([*self._last, *self._explicit]))

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self._value(k)) for k in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return key in self._explicit or key in self._last

    def __len__(self) -> int:
        return len(self.keys())

    def as_dict(self) -> dict[str, Any]:
        """JSON-able copy (nested dicts kept; media replaced by a small marker)."""
        return {k: _jsonable(v) for k, v in self.items()}

    def __repr__(self) -> str:
        return f"Summary({dict(self.items())!r})"


def _jsonable(v: Any) -> Any:
    if v.__class__ is float and not math.isfinite(v):
        return None if v != v else ("Infinity" if v > 0 else "-Infinity")
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if hasattr(v, "to_json"):
        return {"_type": type(v).__name__.lower()}
    return v
