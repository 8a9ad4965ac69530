"""Parameter importance on a synthetic sweep where one parameter drives the metric."""
from __future__ import annotations

import random

import pytest

from py_tracker.sweeps.importance import parameter_importance, pearson


def synthetic(n: int = 40):
    rnd = random.Random(1)
    configs, scores = [], []
    for _ in range(n):
        cfg = {"lr": rnd.uniform(0.001, 0.1), "dropout": rnd.uniform(0, 0.5),
               "opt": rnd.choice(["adam", "sgd"]), "epochs": 5}
        configs.append(cfg)
        scores.append(10 * cfg["lr"] + rnd.gauss(0, 0.01))  # lr drives the loss, nothing else does
    return configs, scores


def test_the_driving_parameter_ranks_first_and_constants_are_left_out():
    configs, scores = synthetic()
    scores[3] = None  # a trial without the metric is left out
    t = parameter_importance(configs, scores, ["lr", "dropout", "opt", "epochs"])
    assert t.trials == 39 and t.note == ""
    names = [r.name for r in t.rows]
    assert names[0] == "lr" and "epochs" not in names and set(names) == {"lr", "dropout", "opt"}
    lr, dropout, opt = (next(r for r in t.rows if r.name == n) for n in ("lr", "dropout", "opt"))
    assert lr.correlation > 0.95 and abs(dropout.correlation) < 0.4 and opt.correlation is None
    assert lr.forest > 0.8 and sum(r.forest for r in t.rows) == pytest.approx(1.0)


def test_too_few_trials_say_why():
    t = parameter_importance([{"lr": 1}], [0.5], ["lr"])
    assert t.rows == [] and "at least 2" in t.note
    t = parameter_importance([{"lr": 1}, {"lr": 2}], [0.5, 0.7], ["lr"])
    assert t.rows[0].correlation == pytest.approx(1.0) and t.rows[0].forest is None and "at least 3" in t.note


def test_pearson_of_a_constant_is_none():
    assert pearson([1, 1, 1], [1, 2, 3]) is None and pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)


def test_without_scikit_learn_correlations_stay_and_the_note_says_how_to_install(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "sklearn.ensemble", None)  # `import` raises ImportError, as when not installed
    configs, scores = synthetic(10)
    t = parameter_importance(configs, scores, ["lr", "dropout"])
    assert [r.forest for r in t.rows] == [None, None] and t.rows[0].name == "lr" and t.rows[0].correlation > 0.9
    assert "pip install 'py_tracker[plots]'" in t.note


def test_importance_html_escapes_names():
    from py_tracker.sweeps.importance import importance_html
    configs, scores = synthetic(10)
    for c in configs:
        c["<b>x</b>"] = c.pop("dropout")
    html = importance_html(parameter_importance(configs, scores, ["lr", "<b>x</b>"]), "<i>m</i>")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "&lt;i&gt;m&lt;/i&gt;" in html
