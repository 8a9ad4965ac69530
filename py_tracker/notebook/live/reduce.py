"""Series reduction for display: growable arrays, incremental min/max buckets, EMA smoothing.

Why incremental: a live chart holding a million points must flush in well under a
millisecond per metric. `BucketReducer` keeps, per complete bucket of `size`
points, the index of its min and of its max; new points only touch new buckets,
and when there are too many buckets, neighbouring pairs are merged (O(buckets),
no rescan). Spikes survive every merge because a merged bucket keeps the min of
the two mins and the max of the two maxes. The same per-bucket reduction as
`py_tracker.storage.downsample.bucket_indices`, made streaming.
"""
from __future__ import annotations

import numpy as np

from ...storage.downsample import bucket_indices


class Column:
    """A numpy array that grows by appending (amortized doubling); `.view` is the filled part."""

    __slots__ = ("_a", "n")

    def __init__(self, dtype: type | str = float, capacity: int = 256):
        self._a = np.empty(capacity, dtype=dtype)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._a.dtype)
        m = len(values)
        if self.n + m > len(self._a):
            cap = max(len(self._a) * 2, self.n + m)
            new = np.empty(cap, dtype=self._a.dtype)
            new[:self.n] = self._a[:self.n]
            self._a = new
        self._a[self.n:self.n + m] = values
        self.n += m

    def truncate(self, n: int) -> None:
        self.n = min(self.n, n)

    @property
    def view(self) -> np.ndarray:
        return self._a[:self.n]

    def __len__(self) -> int:
        return self.n


def _argminmax(seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a 2-d block: index of min and of max, ignoring NaN (all-NaN rows give 0)."""
    if not np.isnan(seg).any():
        return seg.argmin(axis=1), seg.argmax(axis=1)
    lo = np.where(np.isnan(seg), np.inf, seg).argmin(axis=1)
    hi = np.where(np.isnan(seg), -np.inf, seg).argmax(axis=1)
    return lo, hi


class BucketReducer:
    """Keeps about `target`..`2*target` buckets over a growing series `y`.

    `update(y)` consumes whatever complete buckets `y` (the whole series so far)
    now has and returns `(rebuilt, indices)`: when `rebuilt` is False, `indices`
    are the new display points to append; when True, buckets were merged and
    `indices` are all display points (replace what is shown). `tail(y)` gives the
    points of the incomplete last bucket (its min, max and the last point), which
    are shown separately because they change until the bucket completes.
    """

    def __init__(self, target: int = 600):
        if target < 2:
            raise ValueError("target must be >= 2 buckets")
        self.target = target
        self.size = 1
        self.done = 0  # points covered by complete buckets
        self._lo = Column(np.int64)
        self._hi = Column(np.int64)

    def reset(self) -> None:
        self.size, self.done = 1, 0
        self._lo.truncate(0)
        self._hi.truncate(0)

    @property
    def buckets(self) -> int:
        return len(self._lo)

    def update(self, y: np.ndarray) -> tuple[bool, np.ndarray]:
        n = len(y)
        k = (n - self.done) // self.size
        rebuilt = False
        new = np.empty(0, dtype=np.int64)
        if k > 0:
            start = self.done
            if self.size == 1:
                lo = hi = np.arange(start, start + k, dtype=np.int64)
            else:
                seg = np.asarray(y[start:start + k * self.size], dtype=float).reshape(k, self.size)
                base = start + np.arange(k, dtype=np.int64) * self.size
                a, b = _argminmax(seg)
                lo, hi = base + a, base + b
            self._lo.extend(lo)
            self._hi.extend(hi)
            self.done += k * self.size
            new = _interleave(lo, hi)
        while self.buckets >= 2 * self.target:
            self._merge(y)
            rebuilt = True
        if rebuilt:
            return True, self.indices()
        return False, new

    def _merge(self, y: np.ndarray) -> None:
        m = self.buckets // 2
        lo, hi = self._lo.view, self._hi.view
        yl, yh = np.asarray(y[lo[:2 * m]], dtype=float), np.asarray(y[hi[:2 * m]], dtype=float)
        pick_lo = np.where(~(yl[1::2] < yl[0::2]), lo[0:2 * m:2], lo[1:2 * m:2])
        pick_hi = np.where(~(yh[1::2] > yh[0::2]), hi[0:2 * m:2], hi[1:2 * m:2])
        # NaN-aware: a NaN never wins over a number
        pick_lo = np.where(np.isnan(yl[0::2]), lo[1:2 * m:2], pick_lo)
        pick_hi = np.where(np.isnan(yh[0::2]), hi[1:2 * m:2], pick_hi)
        self._lo.truncate(0)
        self._hi.truncate(0)
        self._lo.extend(pick_lo)
        self._hi.extend(pick_hi)
        self.size *= 2
        self.done = m * self.size  # an odd last bucket goes back to the tail

    def indices(self) -> np.ndarray:
        """Every display index of the complete buckets, in order."""
        return _interleave(self._lo.view, self._hi.view)

    def tail(self, y: np.ndarray) -> np.ndarray:
        """Display indices of the incomplete last bucket (min, max, last point)."""
        n = len(y)
        if n <= self.done:
            return np.empty(0, dtype=np.int64)
        if n - self.done <= 3:
            return np.arange(self.done, n, dtype=np.int64)
        seg = np.asarray(y[self.done:n], dtype=float)[None, :]
        a, b = _argminmax(seg)
        return np.unique(np.array([self.done + a[0], self.done + b[0], n - 1], dtype=np.int64))


def _interleave(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per bucket the two indices in time order, a duplicate (min == max) dropped."""
    if len(lo) == 0:
        return np.empty(0, dtype=np.int64)
    pair = np.empty(2 * len(lo), dtype=np.int64)
    pair[0::2] = np.minimum(lo, hi)
    pair[1::2] = np.maximum(lo, hi)
    keep = np.ones(len(pair), dtype=bool)
    keep[1::2] = pair[1::2] != pair[0::2]
    return pair[keep]


def window_indices(x: np.ndarray, y: np.ndarray, start: float, end: float, n_points: int) -> np.ndarray:
    """Indices to draw for the x window [start, end] (zoom refinement), reduced per bucket,
    plus one point either side so lines run to the edges."""
    x = np.asarray(x, dtype=float)
    inside = np.flatnonzero((x >= start) & (x <= end))
    if len(inside) == 0:
        return inside
    keep = inside[bucket_indices(np.asarray(y, dtype=float)[inside], n_points)]
    lo, hi = inside[0] - 1, inside[-1] + 1
    extra = [i for i in (lo, hi) if 0 <= i < len(x)]
    return np.unique(np.concatenate([keep, np.asarray(extra, dtype=np.int64)]))


def ema(y: np.ndarray, alpha: float, state: float | None = None) -> tuple[np.ndarray, float | None]:
    """Exponential moving average s_t = alpha*s_(t-1) + (1-alpha)*y_t, continuing from `state`.

    alpha in [0, 1); alpha=0 returns y. Non-finite values are carried over
    (the previous value is repeated) so one NaN does not blank the rest.
    Returns (smoothed, new state) so a live series is smoothed incrementally.
    """
    y = np.asarray(y, dtype=float)
    if len(y) == 0 or alpha <= 0:
        return y.copy(), (state if len(y) == 0 else _last_finite(y, state))
    if not 0 <= alpha < 1:
        raise ValueError(f"smoothing must be in [0, 1); got {alpha}")
    finite = np.isfinite(y)
    if not finite.all():
        idx = np.where(finite, np.arange(len(y)), -1)
        idx = np.maximum.accumulate(idx)
        fill = state if state is not None else (y[finite][0] if finite.any() else 0.0)
        y = np.where(idx >= 0, y[np.maximum(idx, 0)], fill)
    from scipy.signal import lfilter
    s0 = y[0] if state is None else state
    out, _ = lfilter([1 - alpha], [1, -alpha], y, zi=[alpha * s0])
    return out, float(out[-1])


def _last_finite(y: np.ndarray, state: float | None) -> float | None:
    f = y[np.isfinite(y)]
    return float(f[-1]) if len(f) else state
