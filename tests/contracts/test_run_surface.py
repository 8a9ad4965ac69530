"""Contract: `init(mode="disabled")` answers everything a live `Run` does.

Code written against a tracked run must also run with `mode="disabled"` (W&B's switch to
turn tracking off), so the disabled run has every public name of the live one, each method
accepts the same arguments, and a typical training script runs on both; the disabled run
writes nothing.
"""
from __future__ import annotations

import inspect
import os

import pytest

import py_tracker as pt
from py_tracker.facade.run import DisabledRun


def public_names(obj: object) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def accepts(fn: object, params: list[inspect.Parameter]) -> list[str]:
    """The parameters of `params` that `fn` cannot take (by name, position or **kwargs)."""
    sig = inspect.signature(fn)
    kinds = {p.kind for p in sig.parameters.values()}
    names = set(sig.parameters)
    missing = []
    for p in params:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            if inspect.Parameter.VAR_POSITIONAL not in kinds:
                missing.append("*" + p.name)
        elif p.kind is inspect.Parameter.VAR_KEYWORD:
            if inspect.Parameter.VAR_KEYWORD not in kinds:
                missing.append("**" + p.name)
        elif p.name not in names and inspect.Parameter.VAR_KEYWORD not in kinds:
            missing.append(p.name)
    return missing


@pytest.fixture
def both(new_run):
    live = new_run(name="live")
    disabled = pt.init(mode="disabled", project="p", reinit="create_new")
    assert isinstance(disabled, DisabledRun)
    yield live, disabled
    disabled.finish()


def test_disabled_run_has_every_public_name_of_a_live_run(both):
    live, disabled = both
    missing = sorted(public_names(live) - public_names(disabled))
    assert not missing, f"DisabledRun lacks {missing}: code using them crashes with mode='disabled'"


def test_disabled_methods_accept_the_live_arguments(both):
    live, disabled = both
    problems = {}
    for name in sorted(public_names(live)):
        fn = getattr(live, name)
        if not callable(fn) or inspect.isclass(fn):
            continue
        other = getattr(disabled, name)
        assert callable(other), f"{name} is callable on Run but not on DisabledRun"
        params = list(inspect.signature(fn).parameters.values())
        bad = accepts(other, params)
        if bad:
            problems[name] = bad
    assert not problems, f"DisabledRun methods do not take these arguments of Run's: {problems}"


def train(run) -> None:
    """A typical loop, through the run object and the module functions."""
    run.config.update({"lr": 0.1, "layers": [8, 4]})
    run.define_metric("val/loss", summary="min")
    for step in range(5):
        run.log({"loss": 1.0 / (step + 1), "epoch": step})
    run.log({"val/loss": 0.5})
    run.summary["best"] = 0.5
    path = os.path.join(run.dir, "notes.txt")
    assert isinstance(path, str)
    run.add_row_listener(lambda stream, rows: None)
    run.flush()
    assert isinstance(run.files(), list)
    assert run.stop_requested is False
    assert run.start_time > 0
    assert run.display_name
    run.unwatch()
    run.finish()


def test_the_same_script_runs_tracked_and_disabled(both, root, tmp_path):
    live, disabled = both
    train(live)
    assert pt.Api(root).run(live.id).summary["loss"] == pytest.approx(0.2)
    before = sorted(os.listdir(root))
    other_root = tmp_path / "untouched"
    train(disabled)
    assert sorted(os.listdir(root)) == before and not other_root.exists()
