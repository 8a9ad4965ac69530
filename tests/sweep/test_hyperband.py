"""Hyperband: bands, thresholds, strict and non-strict, largest band reached, maximize."""
from __future__ import annotations

from py_tracker.sweeps.hyperband import bands, to_stop
from py_tracker.sweeps.strategy import Trial


def T(id, hist, state="running"):
    return Trial(id, {}, state, hist[-1] if hist else None, list(hist))


def test_bands():
    assert bands({"min_iter": 3, "eta": 3}, 100) == [3, 9, 27, 81]
    assert bands({"min_iter": 1, "eta": 2}, 10) == [1, 2, 4, 8]
    assert bands({"max_iter": 27, "s": 2, "eta": 3}, 100) == [3, 9]
    assert bands({"max_iter": 27, "s": 5, "eta": 3}, 100) == [1, 3, 9]  # 1/3 and 1/9 dropped
    assert bands({"max_iter": 27, "s": 2, "eta": 3}, 5) == [3]
    assert bands({"min_iter": 3}, 2) == []


def test_wandb_example_min_iter():
    et = {"min_iter": 3, "eta": 3, "strict": True}
    r1 = T("a", [10] * 4)
    r2 = T("b", [10 - i for i in range(10)])
    # band 3: values [10, 8] -> threshold at floor(2/3)=0 -> 8; a (10) is worse -> stop
    # band 9: only b -> threshold its own value -> b survives
    assert to_stop(et, "minimize", [r1, r2]) == {"a"}


def test_only_running_trials_are_stopped():
    et = {"min_iter": 2, "eta": 3}
    trials = [T("a", [5, 5], "finished"), T("b", [1, 1], "finished"), T("c", [9, 9, 9])]
    assert to_stop(et, "minimize", trials) == {"c"}
    assert to_stop(et, "minimize", [T("a", [5, 5], "failed"), T("b", [1, 1])]) == set()


def test_judged_at_largest_band_reached():
    et = {"min_iter": 1, "eta": 2}
    # bands 1, 2, 4. Trial c was bad at iteration 1 but is good at 4 -> not stopped.
    trials = [T("a", [1, 1, 1, 5], "finished"), T("b", [2, 2, 2, 6], "finished"), T("c", [9, 9, 9, 0])]
    assert to_stop(et, "minimize", trials) == set()
    trials[2] = T("c", [0, 0, 0, 9])
    assert to_stop(et, "minimize", trials) == {"c"}


def test_strict_vs_non_strict():
    base = [T("a", [1, 1, 1], "finished"), T("b", [2, 2, 2], "finished"), T("c", [3, 3, 3], "finished")]
    run = T("r", [0.5, 0.9, 4, 4])  # bands 1, 3 (eta 3): at 3 value 4, best so far 0.5
    # band 3: values [1, 2, 3, 4] -> threshold index floor(4/3)=1 -> 2
    assert to_stop({"min_iter": 1, "eta": 3, "strict": True}, "minimize", base + [run]) == {"r"}
    assert to_stop({"min_iter": 1, "eta": 3, "strict": False}, "minimize", base + [run]) == set()
    bad = T("r", [2.5, 3, 4])
    assert to_stop({"min_iter": 1, "eta": 3, "strict": False}, "minimize", base + [bad]) == {"r"}


def test_maximize_and_threshold_position():
    trials = [T(str(i), [float(i)] * 3, "finished") for i in range(9)] + [T("r", [2.5] * 3)]
    # maximize: negated values [-8..0, -2.5]; n=10 -> index 3 -> -5 -> r (-2.5) worse -> stop
    assert to_stop({"min_iter": 3, "eta": 3}, "maximize", trials) == {"r"}
    trials[-1] = T("r", [5.5] * 3)
    assert to_stop({"min_iter": 3, "eta": 3}, "maximize", trials) == set()


def test_no_metric_logged_is_not_judged():
    assert to_stop({"min_iter": 1}, "minimize", [T("a", []), T("b", [1.0], "finished")]) == set()
    assert to_stop({}, "minimize", [T("a", [1.0])]) == set()
