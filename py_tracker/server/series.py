"""History and system series for charts: read the columns once, reduce them to
about `points` points per key keeping each bucket's min and max (spikes survive).

Columns are cached per file, keyed by (size, mtime), so a finished run is read
once and a running one is re-read only after its writer flushed again.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.summary import step_metric_defs, step_metric_for
from ..storage import history as hist
from ..storage.downsample import downsample
from .errors import BadRequest


if TYPE_CHECKING:
    from .store import StoreReader

DEFAULT_POINTS = 2000
MAX_POINTS = 100_000
CACHE_FILES = 4


class SeriesReader:
    """`history()` for one store; thread-safe (handlers call it from a worker pool)."""

    def __init__(self, store: "StoreReader"):
        self.store = store
        # path -> (stamp, rows, columns, all columns read?, column names asked for)
        self._cache: OrderedDict[str, tuple[tuple[int, int], int, dict, bool, set]] = OrderedDict()
        self._lock = threading.Lock()

    def _columns(self, run_id: str, stream: str, want: set[str] | None) -> tuple[int, dict[str, np.ndarray]]:
        """Numeric columns of a stream (`want` only, or all), cached per file and column."""
        path = self.store.api.layout.history(run_id, stream)
        try:
            st = self.store.confine.stat(path)
        except FileNotFoundError:
            return 0, {}
        stamp = (st.st_size, st.st_mtime_ns)
        key = str(path)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[0] == stamp and (hit[3] or (want is not None and want <= hit[4])):
                self._cache.move_to_end(key)
                return hit[1], hit[2]
        n, cols = hist.read_columns(path, want)
        numeric = {k: v.astype(float, copy=False) for k, v in cols.items()
                   if getattr(v, "dtype", None) is not None and v.dtype.kind in "fiub"}
        with self._lock:
            old = self._cache.get(key)
            if old is not None and old[0] == stamp and old[1] == n:
                numeric = {**old[2], **numeric}
                asked = old[4] | (want or set())
            else:
                asked = set(want or ())
            complete = want is None or bool(old and old[0] == stamp and old[3])
            self._cache[key] = (stamp, n, numeric, complete, asked)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_FILES:
                self._cache.popitem(last=False)
        return n, numeric

    def history(self, run_id: str, stream: str = "history", keys: list[str] | None = None,
                x_axis: str | None = None, min_step: float | None = None, max_step: float | None = None,
                points: int = DEFAULT_POINTS) -> dict[str, Any]:
        """{"stream", "x_axis", "keys" (all numeric keys), "rows", "series": {key: {"x", "y"}}}.

        Without `x_axis`, a history metric with a step metric (define_metric(step_metric=...))
        that the run logged is drawn against it: its series then carries its own "x_axis"."""
        if stream not in ("history", "system"):
            raise BadRequest(f"unknown stream {stream!r}; use 'history' or 'system'")
        if not 2 <= points <= MAX_POINTS:
            raise BadRequest(f"points must be between 2 and {MAX_POINTS}; got {points}")
        per_key = not x_axis and stream == "history"  # default: each metric on its step metric
        x_axis = x_axis or ("_step" if stream == "history" else "_runtime")
        record = self.store.record(run_id)
        logged = logged_keys(record)
        step_defs = step_metric_defs(record.get("metrics")) if per_key else {}
        step_cols = {sm for sm in step_defs.values()}
        # decode only the columns drawn (plus the axes); the summary names what was logged
        if keys:
            want: set[str] | None = set(keys) | {x_axis, "_step"} | step_cols
        elif stream == "history" and logged:
            want = logged | {x_axis, "_step"} | step_cols
        else:
            want = None
        n, cols = self._columns(run_id, stream, want)
        available = sorted((set(cols) | (logged if stream == "history" else set())) - {"_step", "_runtime", "_timestamp"})
        available = [k for k in available if not k.startswith("_")]
        out: dict[str, Any] = {"stream": stream, "x_axis": x_axis, "keys": available, "rows": n, "series": {}}
        if n == 0:
            return out
        if x_axis not in cols:
            raise BadRequest(f"x_axis {x_axis!r} is not a numeric key of this run; use one of "
                             f"{', '.join(['_step', '_runtime', '_timestamp', *available][:20])}")
        wanted = keys if keys else [k for k in available if k in cols]
        unknown = [k for k in wanted if k not in cols]
        if keys and unknown:
            raise BadRequest(f"unknown keys {unknown}; this run has {', '.join(available[:20])}")
        x = cols[x_axis]
        mask = ~np.isnan(x)
        if (min_step is not None or max_step is not None) and "_step" in cols:
            steps = cols["_step"]
            if min_step is not None:
                mask &= steps >= min_step
            if max_step is not None:
                mask &= steps <= max_step
        if not mask.all():
            x = x[mask]
            ys = {k: cols[k][mask] for k in wanted if k != x_axis}
        else:
            ys = {k: cols[k] for k in wanted if k != x_axis}
        reduced = downsample(x, ys, points)
        out["series"] = {k: {"x": xs, "y": yv} for k, (xs, yv) in reduced.items()}
        for k in ys:  # a metric with a logged step metric is drawn against it ("x_axis" says so)
            sm = step_metric_for(k, step_defs) if step_defs else None
            if sm and sm in cols and sm != x_axis:
                sx = cols[sm][mask] if not mask.all() else cols[sm]
                y = np.where(np.isnan(sx), np.nan, ys[k])
                kx, ky = downsample(sx, {k: y}, points)[k]
                out["series"][k] = {"x": kx, "y": ky, "x_axis": sm}
        return out


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def logged_keys(record: dict) -> set[str]:
    """Names of the numeric metrics a run logged, from its record (no history decoded).

    A summary value is the last number, or, for a metric declared with
    `define_metric(summary="min"/"max"/...)`, a dict of those statistics (W&B's shape), or
    None for summary="none"; exact names of defined metrics count too. Leaving the dicts
    out dropped `val/loss` and `val/acc` from the sidebar's charts.
    """
    out = set()
    for k, v in (record.get("summary") or {}).items():
        if k.startswith("_"):
            continue
        if _number(v) or v is None or (isinstance(v, dict) and "_type" not in v and v
                                       and all(_number(x) for x in v.values())):
            out.add(k)
    for m in record.get("metrics") or []:
        name = m.get("name") if isinstance(m, dict) else None
        if isinstance(name, str) and name and "*" not in name and not name.startswith("_"):
            out.add(name)
    return out
