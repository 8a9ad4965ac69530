"""Histograms: counts and edges match numpy; limits and bad input give clear errors."""
from __future__ import annotations

import numpy as np
import orjson
import pytest
import torch

from py_tracker.errors import UsageError
from py_tracker.media import Histogram, from_json


def test_counts_match_numpy():
    x = np.random.default_rng(1).normal(size=1000)
    h = Histogram(x, num_bins=20)
    counts, edges = np.histogram(x, bins=20)
    assert h.histogram == counts.tolist()
    np.testing.assert_allclose(h.bins, edges)
    d = h.to_json()
    assert d["_type"] == "histogram" and len(d["values"]) == 20 and len(d["bins"]) == 21
    orjson.dumps(d)  # JSON-able as is


def test_default_bins_and_source_copy():
    x = np.arange(100, dtype=np.float32)
    h = Histogram(x)
    x[:] = 0  # mutation after construction must not change the histogram
    assert len(h.histogram) == 64 and sum(h.histogram) == 100
    assert h.bins[0] == 0 and h.bins[-1] == 99


def test_torch_tensor_and_nonfinite_values_dropped():
    t = torch.arange(50, dtype=torch.float32, requires_grad=True)
    h = Histogram(t, num_bins=5)
    assert h.histogram == [10, 10, 10, 10, 10]
    h2 = Histogram([1.0, 2.0, float("nan"), float("inf"), 3.0], num_bins=2)
    assert sum(h2.histogram) == 3


def test_np_histogram_and_round_trip(tmp_path):
    x = np.random.default_rng(2).uniform(size=300)
    counts, edges = np.histogram(x, bins=7)
    d = Histogram(np_histogram=(counts, edges)).to_json(tmp_path, "k", 0)
    back_counts, back_edges = from_json(d, tmp_path)
    np.testing.assert_array_equal(back_counts, counts)
    np.testing.assert_allclose(back_edges, edges)


def test_max_512_bins():
    assert len(Histogram(np.arange(1000), num_bins=512).histogram) == 512
    with pytest.raises(UsageError, match="maximum of 512"):
        Histogram(np.arange(1000), num_bins=513)
    with pytest.raises(UsageError, match="maximum is 512"):
        Histogram(np_histogram=(np.ones(600), np.arange(601)))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({}, "needs a sequence"),
        ({"sequence": [1, 2], "np_histogram": ([1], [0, 1])}, "not both"),
        ({"np_histogram": ([1, 2], [0, 1])}, r"len\(counts\) \+ 1"),
        ({"np_histogram": 5}, "pair"),
        ({"sequence": ["a", "b"]}, "real numbers"),
        ({"sequence": [1, 2], "num_bins": 0}, "positive integer"),
        ({"sequence": [1, 2], "num_bins": 2.5}, "positive integer"),
    ],
)
def test_bad_input(kwargs, match):
    with pytest.raises(UsageError, match=match):
        Histogram(**kwargs)
