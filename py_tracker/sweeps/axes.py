"""The axes of sweep views' parallel coordinates (the sweep widget's and the report's):
where each value sits on its axis, and tick labels in the parameter's own units, so an
axis reads 0.001 · 0.025 · 0.05 · … rather than only its min and max. One function
(`axis_values`) places values for every view, so they draw the same axes."""
from __future__ import annotations

import math
from typing import Any

MAX_CATEGORIES = 30  # tick labels shown on a categorical axis at the most


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


def number(v: Any) -> float | None:
    """A finite float, or None for anything else (bools, strings, NaN)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def category(v: Any) -> str:
    """The label of a value on a categorical axis (None as a dash, at most 40 characters)."""
    return "—" if v is None else str(v)[:40]


def axis_values(values: list[Any]) -> tuple[list[float], list[tuple[float, str]]]:
    """Values placed on one parallel axis in [0, 1], and tick labels as (position, text).

    A numeric axis (every value a finite number) is scaled min…max with round ticks
    between (`nice_ticks`); a constant one sits at 0.5 with one tick. Any other axis is
    categorical: every category (sorted, evenly spaced; at most `MAX_CATEGORIES` labelled)."""
    nums = [number(v) for v in values]
    if values and all(n is not None for n in nums):
        lo, hi = min(nums), max(nums)  # type: ignore[type-var]
        span = (hi - lo) or 1.0
        ticks = [((t - lo) / span, f"{t:.4g}") for t in nice_ticks(lo, hi)] if hi > lo else [(0.5, f"{lo:.4g}")]
        return [((n - lo) / span if hi > lo else 0.5) for n in nums], ticks  # type: ignore[operator]
    cats = sorted({category(v) for v in values})
    pos = {c: (i / (len(cats) - 1) if len(cats) > 1 else 0.5) for i, c in enumerate(cats)}
    return [pos[category(v)] for v in values], [(pos[c], c) for c in cats[:MAX_CATEGORIES]]
