"""History files: columnar chunks, exact round trips, tolerance of torn and damaged lines."""
from __future__ import annotations

import math

import numpy as np

from py_tracker.storage.downsample import bucket_indices, downsample, union_indices
from py_tracker.storage.history import HistoryWriter, iter_rows, last_step, read_columns


def test_round_trip_mixed_rows(tmp_path):
    w = HistoryWriter(tmp_path / "h.jsonl")
    w.write([{"_step": 0, "a": 1.5, "s": "x"}, {"_step": 1, "b": math.nan}, {"_step": 2, "a": -math.inf, "big": 2**70}])
    w.write([{"_step": 3, "a": 2, "flag": True, "lst": [1, 2]}])
    w.close()
    rows = list(iter_rows(tmp_path / "h.jsonl"))
    assert rows[0] == {"_step": 0, "a": 1.5, "s": "x"}
    assert math.isnan(rows[1]["b"]) and set(rows[1]) == {"_step", "b"}
    assert rows[2]["a"] == -math.inf and rows[2]["big"] == float(2**70)
    assert rows[3] == {"_step": 3, "a": 2, "flag": True, "lst": [1, 2]}
    n, cols = read_columns(tmp_path / "h.jsonl")
    assert n == 4 and list(cols["_step"]) == [0, 1, 2, 3]
    assert cols["a"][0] == 1.5 and math.isnan(cols["a"][1]) and cols["a"][2] == -math.inf
    assert list(cols["s"]) == ["x", None, None, None]
    assert last_step(tmp_path / "h.jsonl") == 3


def test_torn_and_damaged_lines_are_skipped(tmp_path, caplog):
    p = tmp_path / "h.jsonl"
    w = HistoryWriter(p)
    w.write([{"_step": 0, "a": 1}])
    w.close()
    with open(p, "ab") as f:
        f.write(b"garbage line\n")
    w = HistoryWriter(p)
    w.write([{"_step": 1, "a": 2}])
    w.close()
    with open(p, "ab") as f:
        f.write(b'{"n": 1, "c": {"a"')
    assert [r["a"] for r in iter_rows(p)] == [1, 2]
    assert "damaged line" in caplog.text
    w = HistoryWriter(p)                     # a new writer ends the torn line first
    w.write([{"_step": 2, "a": 3}])
    w.close()
    assert [r["a"] for r in iter_rows(p)] == [1, 2, 3]
    assert last_step(p) == 2


def test_many_chunks_large_file_last_step(tmp_path):
    p = tmp_path / "h.jsonl"
    w = HistoryWriter(p)
    for c in range(50):
        w.write([{"_step": c * 1000 + i, "x": float(i)} for i in range(1000)])
    w.close()
    assert last_step(p) == 49999
    n, cols = read_columns(p, keys=["x"])
    assert n == 50000 and set(cols) == {"x"}


def test_downsample_keeps_every_bucket_min_and_max():
    rng = np.random.default_rng(0)
    y = rng.normal(size=100_000)
    y[12345] = 50.0   # a spike
    y[67890] = -50.0
    x = np.arange(len(y))
    (xs, ys), = downsample(x, {"y": y}, 1000).values()
    assert len(xs) <= 1002 and 50.0 in ys and -50.0 in ys
    size = -(-len(y) // 499)
    for b in range(0, len(y), size):
        seg = y[b:b + size]
        assert seg.max() in ys and seg.min() in ys
    assert list(bucket_indices(np.arange(10.0), 100)) == list(range(10))
    idx = union_indices({"a": y, "b": -y}, 100)
    assert 12345 in idx and 67890 in idx
