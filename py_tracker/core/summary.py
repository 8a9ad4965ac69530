"""`run.summary` and `define_metric`: one value (or a few statistics) per metric.

By default the summary holds each key's last logged value. `define_metric`
asks for min/max/mean/first/last instead (W&B's shape: summary["loss"] ==
{"min": ..., "last": ...}); names may end in `*` to match a prefix. A value set
by the user (summary[k] = v) holds until the key is logged again (W&B's rule).
"""
from __future__ import annotations

import fnmatch
import math
from typing import Any, Callable, Iterator

from .values import config_value

STATS = ("min", "max", "mean", "first", "last", "best", "none", "copy")
_ROW_KEYS = frozenset({"_step", "_runtime", "_timestamp"})  # added to every history row, not summary


class MetricDef:
    """One `define_metric` call: which statistics to keep, its x-axis and its goal."""

    def __init__(self, name: str, step_metric: str | None = None, summary: str | None = None,
                 goal: str | None = None, hidden: bool = False, step_sync: bool | None = None):
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
        # W&B: with a step metric, a row without it gets the step metric's last value (default on)
        self.step_sync = bool(step_metric) if step_sync is None else bool(step_sync)

    def matches(self, key: str) -> bool:
        return fnmatch.fnmatchcase(key, self.name) if "*" in self.name else key == self.name

    def to_dict(self) -> dict:
        return {"name": self.name, "step_metric": self.step_metric, "summary": ",".join(self.stats),
                "goal": self.goal, "hidden": self.hidden, "step_sync": self.step_sync}


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
        # The newest wide row logged with the same keys as the one before it, not yet copied
        # into _last (Run.log sets it instead of updating _last key by key: see `set_tail`).
        self._tail: dict[str, Any] | None = None
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

    def set_tail(self, row: dict) -> None:
        """Take `row` (a history row, never mutated afterwards) as the newest logged values.

        Only for a row whose user keys are those of the previous logged row, whose values it
        all replaces, so nothing is lost by not folding the previous tail. Readers look in
        the tail first; `fold()` copies it into `_last` before any other change."""
        self._tail = row

    def fold(self) -> None:
        """Copy the tail into `_last` (on the logging thread, before `_last` is changed)."""
        t = self._tail
        if t is not None:
            self._tail = None
            last = self._last
            last.update(t)
            for k in _ROW_KEYS:
                last.pop(k, None)

    def _logged(self, key: str) -> Any:
        t = self._tail
        if t is not None and key in t and key not in _ROW_KEYS:
            return t[key]
        return self._last[key]

    def _is_logged(self, key: object) -> bool:
        t = self._tail
        return key in self._last or (t is not None and key in t and key not in _ROW_KEYS)

    def define(self, m: MetricDef) -> None:
        self._defs.append(m)
        self._key_def.clear()

    def _def(self, key: str) -> MetricDef | None:
        d = self._key_def.get(key, False)
        if d is False:
            d = self._key_def[key] = next((m for m in reversed(self._defs) if m.matches(key)), None)
        return d  # type: ignore[return-value]

    def sync_steps(self, row: dict) -> dict:
        """W&B's step_sync: keys whose metric has a step metric that this row lacks get that step
        metric's last logged value added to the row (so `val/acc` alone still has its `epoch`)."""
        add = None
        for k in row:
            d = self._def(k)
            if d is not None and d.step_sync and d.step_metric and d.step_metric not in row \
                    and self._is_logged(d.step_metric):
                add = add or {}
                add[d.step_metric] = self._logged(d.step_metric)
        return {**row, **add} if add else row

    def replaced_by_log(self, keys: Any) -> None:
        """W&B: logging a key again replaces a value the user set with summary[k] = v."""
        for k in keys:
            self._explicit.pop(k, None)

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
        return self._logged(key)

    def __getitem__(self, key: str) -> Any:
        if key not in self._explicit and not self._is_logged(key) or self._defs and self._hidden(key):
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
        self.fold()
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

    def _hidden(self, key: str) -> bool:
        d = self._def(key) if self._defs else None
        return d is not None and "none" in d.stats and key not in self._explicit

    def keys(self) -> list[str]:
        """Summary keys; a metric defined with summary="none" has none (W&B)."""
        t = self._tail
        tail = [k for k in t if k not in _ROW_KEYS] if t is not None else ()
        keys = dict.fromkeys([*self._last, *tail, *self._explicit])
        return [k for k in keys if not self._hidden(k)] if self._defs else list(keys)

    def items(self) -> list[tuple[str, Any]]:
        return [(k, self._value(k)) for k in self.keys()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, key: object) -> bool:
        return (key in self._explicit or self._is_logged(key)) and not (self._defs and self._hidden(str(key)))

    @property
    def _json_dict(self) -> dict[str, Any]:
        """W&B's name for the summary as a plain dict."""
        return self.as_dict()

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
