"""Distributions (range, type, law), nested configs, value equality and grid enumeration."""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from py_tracker.sweeps.config import parse_config
from py_tracker.sweeps.space import Param, Space, canon, rq


def space(params, method="random") -> Space:
    return Space(parse_config({"method": method, "parameters": params})["parameters"])


def draws(spec, n=2000, seed=0):
    s = space({"x": spec})
    rng = np.random.default_rng(seed)
    return [s.sample(rng)["x"] for _ in range(n)]


def test_rq_half_to_even_and_types():
    assert rq(2.5, 1) == 2 and isinstance(rq(2.5, 1), int)
    assert rq(3.5, 1) == 4
    assert rq(37.0, 8) == 40 and isinstance(rq(37.0, 8), int)
    assert rq(0.30000001, 0.1) == 0.3 and isinstance(rq(0.3, 0.1), float)
    assert rq(2.5, 1.0) == 2.0 and isinstance(rq(2.5, 1.0), float)


def test_constant_and_categorical():
    assert set(map(str, draws({"value": None}, 10))) == {"None"}
    vals = draws({"values": ["a", "b", "c"]})
    assert set(vals) == {"a", "b", "c"} and abs(vals.count("a") / len(vals) - 1 / 3) < 0.05
    d = draws({"values": [{"k": 1}, [1, 2]]}, 50)
    assert {"k": 1} in d and [1, 2] in d


def test_weighted_categorical():
    vals = draws({"values": ["a", "b", "c"], "probabilities": [0.1, 0.0, 0.9]}, 4000)
    assert "b" not in vals
    assert abs(vals.count("a") / 4000 - 0.1) < 0.02


def test_int_uniform_inclusive_ints():
    vals = draws({"min": -2, "max": 2})
    assert set(vals) == {-2, -1, 0, 1, 2} and all(type(v) is int for v in vals)


def test_uniform_range_and_law():
    vals = draws({"min": 1.0, "max": 3})
    assert all(1.0 <= v <= 3 and isinstance(v, float) for v in vals)
    assert stats.kstest(vals, stats.uniform(1, 2).cdf).pvalue > 1e-3


def test_q_uniform_multiples():
    vals = draws({"distribution": "q_uniform", "min": 0, "max": 10, "q": 2})
    assert set(vals) <= {0, 2, 4, 6, 8, 10} and all(type(v) is int for v in vals)
    vals = draws({"distribution": "q_uniform", "min": 0.0, "max": 1.0, "q": 0.25})
    assert set(vals) <= {0.0, 0.25, 0.5, 0.75, 1.0} and all(type(v) is float for v in vals)


def test_log_uniform_values_and_inverse():
    for dist in ("log_uniform_values", "inv_log_uniform_values"):
        vals = np.array(draws({"distribution": dist, "min": 1e-4, "max": 1.0}))
        assert vals.min() >= 1e-4 and vals.max() <= 1.0
        assert stats.kstest(np.log(vals), stats.uniform(np.log(1e-4), -np.log(1e-4)).cdf).pvalue > 1e-3


def test_q_log_uniform_values_seed_example():
    vals = draws({"distribution": "q_log_uniform_values", "min": 32, "max": 256, "q": 8})
    assert all(type(v) is int and v % 8 == 0 and 32 <= v <= 256 for v in vals)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_old_exponent_forms():
    vals = np.array(draws({"distribution": "log_uniform", "min": -3, "max": 0}))
    assert vals.min() >= math.exp(-3) and vals.max() <= 1
    vals = np.array(draws({"distribution": "inv_log_uniform", "min": 0, "max": 3}))
    assert vals.min() >= math.exp(-3) and vals.max() <= 1
    assert stats.kstest(-np.log(vals), stats.uniform(0, 3).cdf).pvalue > 1e-3
    vals = draws({"distribution": "q_log_uniform", "min": 0, "max": 3, "q": 1})
    assert all(isinstance(v, int) and 1 <= v <= 20 for v in vals)


def test_normal_family():
    vals = draws({"distribution": "normal", "mu": 5, "sigma": 2})
    assert stats.kstest(vals, stats.norm(5, 2).cdf).pvalue > 1e-3
    vals = draws({"distribution": "log_normal", "mu": 0, "sigma": 0.5})
    assert min(vals) > 0 and stats.kstest(np.log(vals), stats.norm(0, 0.5).cdf).pvalue > 1e-3
    vals = draws({"distribution": "q_normal", "mu": 0, "sigma": 10, "q": 5})
    assert all(type(v) is int and v % 5 == 0 for v in vals)
    vals = draws({"distribution": "q_log_normal", "q": 0.5})
    assert all(v >= 0 and abs(v / 0.5 - round(v / 0.5)) < 1e-9 for v in vals)
    assert set(draws({"distribution": "normal", "mu": 3, "sigma": 0}, 20)) == {3.0}


def test_beta_family():
    vals = draws({"distribution": "beta", "a": 2, "b": 5})
    assert all(0 <= v <= 1 for v in vals) and stats.kstest(vals, stats.beta(2, 5).cdf).pvalue > 1e-3
    vals = draws({"distribution": "q_beta", "a": 1, "b": 1, "q": 0.1})
    assert set(vals) <= {round(0.1 * k, 1) for k in range(11)}


@pytest.mark.parametrize("spec", [
    {"min": 0.5, "max": 4}, {"distribution": "log_uniform_values", "min": 0.01, "max": 10},
    {"distribution": "normal", "mu": 1, "sigma": 3}, {"distribution": "log_normal"},
    {"distribution": "beta", "a": 2, "b": 3}, {"min": 0, "max": 9},
    {"values": ["a", "b", "c"], "probabilities": [0.2, 0.5, 0.3]},
])
def test_cdf_inverts_sample(spec):
    p = space({"x": spec}).searchable[0]
    for u in (0.05, 0.3, 0.5, 0.77, 0.95):
        v = p.sample(u)
        if p.dist == "categorical":
            assert p.sample(p.to_unit(v)) == v
            continue
        assert p.sample(p.to_unit(v)) == pytest.approx(v, rel=1e-9)
        if p.dist != "int_uniform":
            assert p.to_unit(v) == pytest.approx(u, abs=1e-9)


def test_nested_configs():
    s = space({"model": {"parameters": {"depth": {"values": [2, 3]}, "act": {"value": "relu"}}},
               "lr": {"min": 0.0, "max": 1.0}})
    c = s.sample(np.random.default_rng(0))
    assert set(c) == {"model", "lr"} and c["model"]["act"] == "relu" and c["model"]["depth"] in (2, 3)
    assert s.extract({**c, "other": 1}) == c


def test_value_equality():
    assert canon(1) == canon(1.0) and canon(True) != canon(1) and canon(False) != canon(0)
    assert canon({"a": 1, "b": [1, 2]}) == canon({"b": [1.0, 2], "a": 1})
    assert canon([1, 2]) == canon((1, 2)) and canon("1") != canon(1) and canon(None) != canon(0)


def test_grid_order_constants_and_dedup():
    s = space({"b": {"values": [1, 2]}, "a": {"values": ["x", "y", "x"]}, "c": {"value": 0},
               "d": {"values": [1, 1.0, True]}}, method="grid")
    points = list(s.grid())
    assert s.grid_size() == len(points) == 2 * 2 * 2
    assert [(p["a"], p["b"], p["d"]) for p in points[:4]] == [
        ("x", 1, 1), ("x", 1, True), ("x", 2, 1), ("x", 2, True)]
    assert all(p["c"] == 0 for p in points)


def test_grid_int_and_q_uniform_and_nested():
    s = space({"i": {"min": 1, "max": 3}, "q": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25},
               "n": {"parameters": {"k": {"values": [{"a": 1, "b": 2}, {"b": 2, "a": 1}]}}}}, method="grid")
    p = s.searchable
    assert [x.name for x in p] == ["i", "n.k", "q"]
    assert p[0].grid_values() == [1, 2, 3]
    assert p[1].grid_values() == [{"a": 1, "b": 2}]
    assert p[2].grid_values() == [0.0, 0.25, 0.5, 0.75]
    assert s.grid_size() == 12
    assert next(iter(s.grid())) == {"i": 1, "n": {"k": {"a": 1, "b": 2}}, "q": 0.0}


def test_param_name_property():
    assert Param(("a", "b"), {"distribution": "constant", "value": 1}).name == "a.b"
