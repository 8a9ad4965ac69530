"""The compiled filters and orderings behind `Api().runs` and the server's runs list."""
from __future__ import annotations

import pytest

from py_tracker.api.filters import compile_filter, lookup, order_by, order_page

DOCS = [
    {"id": "a", "state": "finished", "config": {"lr": 0.1, "a.b": 1, "opt": {"name": "sgd"}},
     "summary": {"loss": 0.5}, "tags": ["x"]},
    {"id": "b", "state": "crashed", "config": {"lr": 0.01}, "summary": {"loss": "nan-text"}, "tags": []},
    {"id": "c", "state": "finished", "config": {"lr": 0.001, "opt": {"name": "adam"}}, "summary": {}},
    {"id": "d", "state": "finished", "config": None, "summary": {"loss": 0.5}, "tags": ["x", "y"]},
]


def ids(spec: dict) -> list[str]:
    pred = compile_filter(spec)
    return [d["id"] for d in DOCS if pred(d)]


def test_each_operator_matches_the_mongo_semantics():
    assert ids({"config.lr": {"$gt": 0.005}}) == ["a", "b"]
    assert ids({"config.lr": {"$gte": 0.01, "$lt": 0.1}}) == ["b"]
    assert ids({"config.a.b": 1}) == ["a"]                       # a key holding a dot
    assert ids({"config.opt.name": {"$regex": "^ad"}}) == ["c"]  # a nested value
    assert ids({"summary.loss": {"$lt": 1}}) == ["a", "d"]       # text is never "less than" a number
    assert ids({"summary.loss": {"$ne": 0.5}}) == ["b", "c"]     # missing counts as "not equal"
    assert ids({"tags": "y"}) == ["d"] and ids({"tags": {"$in": ["x"]}}) == ["a", "d"]
    assert ids({"tags": {"$nin": ["x"]}}) == ["b", "c"]
    assert ids({"config.opt": {"$exists": False}}) == ["b", "d"]
    assert ids({"$or": [{"state": "crashed"}, {"config.lr": 0.001}]}) == ["b", "c"]
    assert ids({"$nor": [{"state": "finished"}]}) == ["b"]
    assert ids({"config.lr": {"$not": {"$gt": 0.005}}}) == ["c", "d"]
    assert ids({"state": "finished", "summary.loss": 0.5, "tags": "x"}) == ["a", "d"]
    assert lookup(DOCS[0], "summary_metrics.loss") == 0.5


def test_bad_operators_and_patterns_are_named_when_compiled():
    with pytest.raises(ValueError, match=r"unknown filter operator '\$bogus'"):
        compile_filter({"config.lr": {"$bogus": 1}})
    with pytest.raises(ValueError, match=r"\$regex needs a pattern string, not 3"):
        compile_filter({"name": {"$regex": 3}})


def test_order_numbers_before_text_missing_last_ties_kept_both_ways():
    got = lambda order: [d["id"] for d in order_by(DOCS, order)]  # noqa: E731
    assert got("+summary.loss") == ["a", "d", "b", "c"]
    assert got("-summary.loss") == ["b", "a", "d", "c"]
    for order in ("+summary.loss", "-summary.loss", "+config.lr", "-config.lr", "id", "-id"):
        full = order_by(DOCS, order)
        for start, stop in ((0, 1), (0, 2), (1, 3), (2, 10), (3, 4)):
            assert order_page(DOCS, order, start, stop) == full[start:stop], (order, start, stop)
    shown = {"b": "running"}
    assert [d["id"] for d in order_by(DOCS, "state", doc=lambda d: dict(d, state=shown.get(d["id"], d["state"])))] \
        == ["a", "c", "d", "b"]
