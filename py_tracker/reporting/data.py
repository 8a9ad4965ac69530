"""What a report shows, read from the store: which runs, their series, tables and sweep.

`resolve()` turns the report target (runs, run ids, a project name, a sweep)
into `RunData` records; `series()` reads and downsamples histories (min/max
kept, see `storage.downsample`), each metric against its step metric; `aggregate()`
turns a group's runs into a mean line and a min–max band; `table_rows()` lines up config/summary values
and marks rows that differ between runs.
"""
from __future__ import annotations

import fnmatch
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from ..errors import UsageError
from ..core.summary import step_metric_defs, step_metric_for
from ..formats import flatten
from ..storage.downsample import downsample, group_band
from ..sweeps.best import best_run as sweep_best_run

SYSTEM_KEYS = ("system.cpu", "system.memory_percent", "system.proc.memory.rssMB",
               "system.gpu.*.gpu", "system.gpu.*.memoryAllocated", "system.gpu.*.temp",
               "system.disk.in", "system.disk.out")


@dataclass
class RunData:
    """One run as the report needs it (a snapshot: live runs are flushed first)."""

    api_run: Any
    config: dict
    summary: dict
    label: str = ""
    color: str = "#1f77b4"
    _cols: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.api_run.id

    @property
    def record(self) -> dict:
        return self.api_run.to_dict()

    @property
    def step_metrics(self) -> dict[str, str]:
        """{metric or glob: step metric} from the run's define_metric calls."""
        return step_metric_defs(self.api_run.metrics)

    def columns(self, stream: str = "history") -> tuple[int, dict]:
        if stream not in self._cols:
            try:
                self._cols[stream] = self.api_run.history_columns(None, stream)
            except (OSError, ValueError):
                self._cols[stream] = (0, {})
        return self._cols[stream]


@dataclass
class Target:
    """The resolved report target."""

    runs: list[RunData]
    root: Path
    project: str | None = None
    sweep: dict | None = None


def _api(root: Any) -> Any:
    from ..api import Api
    return Api(root)


def resolve(target: Any, root: str | os.PathLike[str] | None = None) -> Target:
    """Runs (Run, ApiRun, "project/id", "id"), a project name, or a sweep (id or handle)."""
    from ..storage.paths import default_root
    items = list(target) if isinstance(target, (list, tuple, set)) else [target]
    if not items or any(t is None for t in items):
        raise UsageError("report() needs runs, a project name or a sweep; e.g. report('my-project')")
    first = items[0]
    guessed = getattr(first, "root", None) or getattr(getattr(first, "_api", None), "root", None)
    base = Path(root) if root is not None else Path(guessed) if guessed is not None else default_root()
    api = _api(base)
    runs: list[RunData] = []
    sweep: dict | None = None
    project: str | None = None
    for t in items:
        if hasattr(t, "flush") and hasattr(t, "summary") and hasattr(t, "config") and hasattr(t, "root"):
            try:
                t.flush()  # a live run: what it logged so far goes into the report
            except Exception:
                pass
            runs.append(RunData(api.run(t.id), t.config.as_dict(), t.summary.as_dict()))
        elif hasattr(t, "history_columns"):
            runs.append(RunData(t, t.config, t.summary))
        else:
            key = str(getattr(t, "id", t))
            sw = api.catalog.get("sweeps", key.split("/")[-1])
            if sw is not None or getattr(t, "id", None) is not None and not isinstance(t, str):
                sweep = sw or {"id": key}
                recs = api.catalog.search("runs", lambda rec: rec.get("sweep_id") == sweep["id"])  # type: ignore[index]
                for rec in sorted(recs, key=lambda rec: rec.get("created_at") or 0):
                    r = api.run(rec["id"])
                    runs.append(RunData(r, r.config, r.summary))
                project = sweep.get("project")
            elif any(p["name"] == key for p in api.projects()):
                project = key
                runs.extend(RunData(r, r.config, r.summary) for r in api.runs(key, order="+created_at"))
            else:
                try:
                    r = api.run(key)
                except ValueError:
                    raise UsageError(f"report(): {key!r} is neither a run, a project nor a sweep in {base}; "
                                     f"see Api().projects() / Api().runs()") from None
                runs.append(RunData(r, r.config, r.summary))
    seen: set[str] = set()
    unique = [r for r in runs if not (r.id in seen or seen.add(r.id))]  # type: ignore[func-returns-value]
    if not unique:
        raise UsageError(f"report(): {target!r} has no runs yet")
    projects = {r.api_run.project for r in unique}
    return Target(unique, base, project or (projects.pop() if len(projects) == 1 else None), sweep)


def metric_keys(runs: Iterable[RunData], wanted: list[str] | None, stream: str = "history") -> list[str]:
    """Numeric keys logged by any run, in first-seen order; `wanted` names or globs filter them."""
    keys: list[str] = []
    for r in runs:
        _, cols = r.columns(stream)
        for k, v in cols.items():
            if k.startswith("_") or k in keys or getattr(v, "dtype", None) is None or v.dtype.kind not in "fiu":
                continue
            if stream == "history" and k.startswith("system."):
                continue
            keys.append(k)
    if wanted is None:
        return sorted(keys)
    out = []
    for w in wanted:
        for k in keys:
            if (k == w or fnmatch.fnmatchcase(k, w)) and k not in out:
                out.append(k)
    return out


def system_keys(runs: Iterable[RunData]) -> list[str]:
    present = metric_keys(runs, None, "system")
    return [k for pat in SYSTEM_KEYS for k in present if fnmatch.fnmatchcase(k, pat)]


def x_key(run: RunData, key: str, stream: str, x_axis: str) -> str:
    """The column `key` is drawn against: on the default x axis (`_step`), the metric's own
    step metric (define_metric(step_metric=...)) when the run logged it; else `x_axis`."""
    if stream != "history":
        return "_runtime"
    if x_axis == "_step":
        sm = step_metric_for(key, run.step_metrics)
        col = run.columns(stream)[1].get(sm) if sm else None
        if col is not None and getattr(col, "dtype", None) is not None and col.dtype.kind in "fiu":
            return str(sm)
    return x_axis


def series(run: RunData, key: str, stream: str, x_axis: str, n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of one key, reduced to about n_points with each bucket's min and max kept."""
    n, cols = run.columns(stream)
    y = cols.get(key)
    x = cols.get(x_key(run, key, stream, x_axis))
    if y is None or x is None or n == 0:
        return np.zeros(0), np.zeros(0)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    y = np.where(np.isfinite(x), y, np.nan)  # a row without the x value is not drawn
    xs, ys = downsample(x, {key: y}, n_points)[key]
    finite = np.isfinite(ys)
    return xs[finite], ys[finite]


def aggregate(runs: list[RunData], key: str, stream: str, x_axis: str, n_bins: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(x, mean, lo, hi) over the runs of a group (`storage.downsample.group_band`: each run
    interpolated on the runs' shared x values, averaged where it has data), about n_bins points."""
    pairs = []
    for r in runs:
        n, cols = r.columns(stream)
        x, y = cols.get(x_key(r, key, stream, x_axis)), cols.get(key)
        if x is not None and y is not None:
            pairs.append((np.asarray(x, dtype=float), np.asarray(y, dtype=float)))
    grid, mean, lo, hi = group_band(pairs, n_bins)
    if not len(grid):
        return None
    return grid, mean, lo, hi


def fmt(v: Any) -> str:
    """A value as table text: 6 significant digits for floats, media as their kind."""
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else f"{v:.6g}"
    if isinstance(v, dict) and "_type" in v:
        return f"({v['_type']})"
    return str(v)


def table_rows(dicts: list[dict], skip_private: bool = True) -> list[tuple[str, list[str], bool]]:
    """[(key, [value text per run], differs?)] over the union of keys, sorted."""
    flat = [flatten(d) for d in dicts]
    keys = sorted({k for f in flat for k in f if not (skip_private and k.startswith("_"))})
    rows = []
    for k in keys:
        vals = [fmt(f[k]) if k in f else "—" for f in flat]
        rows.append((k, vals, len(dicts) > 1 and len(set(vals)) > 1))
    return rows


def best_run(target: Target) -> tuple[RunData | None, str | None, str]:
    """The sweep's best run by its metric (summary value), the metric name and goal."""
    cfg = (target.sweep or {}).get("config") or {}
    metric = cfg.get("metric") or {}
    name, goal = metric.get("name"), (metric.get("goal") or "minimize")
    if not name:
        return None, None, goal
    best = sweep_best_run(target.runs, name, goal)
    return (best[0] if best else None), name, goal
