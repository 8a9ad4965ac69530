from __future__ import annotations

import numpy as np
import pytest

from py_tracker.notebook.live.reduce import BucketReducer, Column, ema, window_indices


def test_column_grows():
    c = Column(capacity=2)
    for i in range(10):
        c.extend(np.arange(i, i + 3))
    assert len(c) == 30 and c.view[-1] == 11


def test_incremental_reducer_keeps_spikes_and_bounds_points():
    rng = np.random.default_rng(0)
    y = rng.normal(size=200_000)
    y[12_345] = 100.0
    y[150_001] = -100.0
    r = BucketReducer(target=300)
    shown: list[int] = []
    for end in range(0, len(y), 7_777):
        rebuilt, idx = r.update(y[:end + 7_777])
        shown = list(idx) if rebuilt else shown + list(idx)
    shown = sorted(set(shown) | set(r.tail(y)))
    assert 12_345 in shown and 150_001 in shown
    assert len(shown) <= 4 * 300 + 3
    assert shown[-1] == len(y) - 1
    assert shown == sorted(set(r.indices()) | set(r.tail(y)))  # streamed == recomputed


def test_short_series_is_kept_whole():
    r = BucketReducer(target=100)
    rebuilt, idx = r.update(np.arange(50.0))
    assert not rebuilt and list(idx) == list(range(50))


def test_ema_incremental_equals_batch():
    y = np.sin(np.arange(1000) / 10)
    full, _ = ema(y, 0.9)
    a, st = ema(y[:400], 0.9)
    b, _ = ema(y[400:], 0.9, st)
    assert np.allclose(np.concatenate([a, b]), full)
    assert full[0] == y[0] and abs(full[-1]) < 1.1


def test_ema_survives_nan_and_rejects_bad_alpha():
    out, _ = ema(np.array([1.0, np.nan, 3.0]), 0.5)
    assert np.isfinite(out).all()
    with pytest.raises(ValueError, match="smoothing"):
        ema(np.ones(3), 1.5)


def test_window_indices_refines():
    x = np.arange(100_000.0)
    y = np.zeros(100_000)
    y[50_500] = 9
    idx = window_indices(x, y, 50_000, 51_000, 200)
    assert 50_500 in idx and x[idx].min() >= 49_999 and x[idx].max() <= 51_001
