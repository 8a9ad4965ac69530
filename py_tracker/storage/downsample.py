"""Reduce long series for display without losing spikes (per-bucket min and max, plus ends),
and average several runs' series into one group line (`group_band`)."""
from __future__ import annotations

import numpy as np


def bucket_indices(y: np.ndarray, n_points: int) -> np.ndarray:
    """Sorted indices into `y` keeping, per bucket, the min and the max (NaN-aware), plus
    the first and last index. About `n_points` indices come back; all if y is short."""
    n = len(y)
    if n <= n_points or n_points < 4:
        return np.arange(n)
    buckets = max(1, (n_points - 2) // 2)
    size = -(-n // buckets)  # ceil
    pad = buckets * size - n
    yf = np.asarray(y, dtype=float)
    lo = np.concatenate([yf, np.full(pad, np.nan)]).reshape(buckets, size)
    valid = ~np.isnan(lo)
    has = valid.any(axis=1)
    amin = np.where(valid, lo, np.inf).argmin(axis=1)
    amax = np.where(valid, lo, -np.inf).argmax(axis=1)
    base = np.arange(buckets) * size
    idx = np.concatenate([(base + amin)[has], (base + amax)[has], [0, n - 1]])
    idx = idx[idx < n]
    return np.unique(idx)


def downsample(x: np.ndarray, ys: dict[str, np.ndarray], n_points: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per key, the (x, y) points to draw: each bucket's min and max survive (spikes kept).
    Rows where a key was not logged (NaN) are dropped for that key first."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    x = np.asarray(x)
    for key, y in ys.items():
        y = np.asarray(y, dtype=float)
        present = ~np.isnan(y)
        xs, yv = x[present], y[present]
        keep = bucket_indices(yv, n_points)
        out[key] = (xs[keep], yv[keep])
    return out


def union_indices(ys: dict[str, np.ndarray], n_points: int) -> np.ndarray:
    """Row indices that keep every key's bucket min/max: for reducing a whole table."""
    parts = []
    for y in ys.values():
        y = np.asarray(y, dtype=float)
        rows = np.flatnonzero(~np.isnan(y))
        if len(rows):
            parts.append(rows[bucket_indices(y[rows], n_points)])
    if not parts:
        return np.arange(0)
    return np.unique(np.concatenate(parts))


def group_band(series: list[tuple[np.ndarray, np.ndarray]], n_points: int = 800
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, mean, min, max) of several runs' (x, y) series: W&B's group line and band.

    The grid is the runs' own x values (thinned evenly to about `n_points`); each run is
    interpolated linearly only inside its own x range, and every grid point averages the
    runs that cover it. So the line runs to the longest run's end (not the shortest's) and
    runs logged at different steps never alternate into a zigzag. NaN points are dropped.
    """
    clean = []
    for x, y in series:
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.any():
            order = np.argsort(x[ok], kind="stable")
            clean.append((x[ok][order], y[ok][order]))
    if not clean:
        empty = np.zeros(0)
        return empty, empty, empty, empty
    grid = np.unique(np.concatenate([x for x, _ in clean]))
    if len(grid) > n_points:
        grid = grid[np.unique(np.linspace(0, len(grid) - 1, max(2, n_points)).round().astype(np.int64))]
    per_run = np.full((len(clean), len(grid)), np.nan)
    for i, (x, y) in enumerate(clean):
        inside = (grid >= x[0]) & (grid <= x[-1])
        per_run[i, inside] = np.interp(grid[inside], x, y)
    count = (~np.isnan(per_run)).sum(axis=0)
    total = np.nansum(per_run, axis=0)
    mean = total / np.maximum(count, 1)
    lo = np.where(np.isnan(per_run), np.inf, per_run).min(axis=0)
    hi = np.where(np.isnan(per_run), -np.inf, per_run).max(axis=0)
    return grid, mean, lo, hi
