"""Tick values for the numeric axes of sweep views (the sweep widget's and the report's
parallel coordinates): round numbers in the parameter's own units, so an axis reads
0.001 · 0.025 · 0.05 · … rather than only its min and max."""
from __future__ import annotations

import math


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About `n` round values in [lo, hi] (1, 2, 2.5 or 5 × 10^k apart), ends included."""
    if not hi > lo:
        return [lo]
    raw = (hi - lo) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    inner = [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]
    inner = [t for t in inner if lo < t < hi and min(t - lo, hi - t) > 0.3 * step]
    return [lo, *inner, hi]
