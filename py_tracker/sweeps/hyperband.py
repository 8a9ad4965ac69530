"""Hyperband early termination as a pure function over the trials' metric sequences.

An iteration is the n-th logged value of the sweep metric in a trial (not `_step`).
Bands: `min_iter * eta**k` (k = 0, 1, ...), or `max_iter / eta**i` for i = 1..s (dropped
below 1), ascending. At band b the threshold is the value at position floor(n / eta) of the
sorted values at iteration b of every trial that reached it (negated for maximize). Only
running trials are stopped, each judged at the largest band it reached: strict stops it if
its value there is worse than the threshold, non-strict only if even its best value so far is.
"""
from __future__ import annotations

import math

from .strategy import Trial


def bands(et: dict, longest: int) -> list[int]:
    """The iterations (1-based counts of logged values) at which trials are judged,
    ascending, up to `longest` (the most values any trial has logged)."""
    eta = float(et.get("eta") or 3)
    out: set[int] = set()
    if et.get("min_iter"):
        b = float(et["min_iter"])
        while b <= longest:
            out.add(int(b))
            b *= eta
    elif et.get("max_iter") and et.get("s"):
        for i in range(1, int(et["s"]) + 1):
            b = et["max_iter"] / eta**i
            if b >= 1:
                out.add(int(math.floor(b)))
    return sorted(x for x in out if x <= longest)


def to_stop(et: dict, goal: str, trials: list[Trial]) -> set[str]:
    """Ids of the running trials hyperband stops now, given every trial of the sweep."""
    if not et:
        return set()
    sign = -1.0 if goal == "maximize" else 1.0
    seqs = {t.id: [sign * float(v) for v in t.history if v is not None and math.isfinite(v)]
            for t in trials}
    longest = max((len(s) for s in seqs.values()), default=0)
    bs = bands(et, longest)
    if not bs:
        return set()
    eta = float(et.get("eta") or 3)
    thresholds = {}
    for b in bs:
        vals = sorted(s[b - 1] for s in seqs.values() if len(s) >= b)
        thresholds[b] = vals[min(int(math.floor(len(vals) / eta)), len(vals) - 1)]
    strict = et.get("strict", True)
    stop = set()
    for t in trials:
        s = seqs[t.id]
        if not t.pending:
            continue
        reached = [b for b in bs if len(s) >= b]
        if not reached:
            continue
        b = reached[-1]
        value = s[b - 1] if strict else min(s)
        if value > thresholds[b]:
            stop.add(t.id)
    return stop
