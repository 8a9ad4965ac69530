"""Validation of the sweep format: every rule of the spec, all problems reported at once."""
from __future__ import annotations

import json
import warnings

import pytest

from py_tracker.errors import UsageError
from py_tracker.sweeps.config import SweepConfigError, parse_config

SEED_CONFIG = {
    "method": "random",
    "metric": {"goal": "minimize", "name": "loss"},
    "parameters": {
        "batch_size": {"distribution": "q_log_uniform_values", "max": 256, "min": 32, "q": 8},
        "dropout": {"values": [0.3, 0.4, 0.5]},
        "epochs": {"value": 1},
        "fc_layer_size": {"values": [128, 256, 512]},
        "learning_rate": {"distribution": "uniform", "max": 0.1, "min": 0},
        "optimizer": {"values": ["adam", "sgd"]},
    },
}


def cfg(params, method="random", **top):
    return {"method": method, "metric": {"name": "loss"}, "parameters": params, **top}


def problems(config) -> list[str]:
    with pytest.raises(SweepConfigError) as exc:
        parse_config(config)
    assert isinstance(exc.value, UsageError)
    return exc.value.problems


def test_seed_config_normalized_and_json_able():
    out = parse_config(SEED_CONFIG)
    json.dumps(out)
    p = out["parameters"]
    assert p["dropout"] == {"distribution": "categorical", "values": [0.3, 0.4, 0.5]}
    assert p["epochs"] == {"distribution": "constant", "value": 1}
    assert p["batch_size"]["q"] == 8
    assert out["metric"] == {"name": "loss", "goal": "minimize", "target": None}
    assert parse_config(out)["parameters"] == p  # normalized form is itself valid


@pytest.mark.parametrize("spec,dist", [
    ({"value": None}, "constant"),
    ({"value": {"a": [1, 2]}}, "constant"),
    ({"values": [1, "a", [1, 2], {"k": 1}, None]}, "categorical"),
    ({"values": [1, 2], "probabilities": [0.25, 0.75]}, "categorical"),
    ({"min": 1, "max": 5}, "int_uniform"),
    ({"min": 1.0, "max": 5}, "uniform"),
    ({"min": 0, "max": 0.5}, "uniform"),
    ({"distribution": "q_uniform", "min": 0, "max": 10}, "q_uniform"),
    ({"distribution": "log_uniform_values", "min": 1e-5, "max": 1}, "log_uniform_values"),
    ({"distribution": "inv_log_uniform_values", "min": 1, "max": 10}, "inv_log_uniform_values"),
    ({"distribution": "normal"}, "normal"),
    ({"distribution": "q_normal", "mu": 3, "sigma": 0, "q": 2}, "q_normal"),
    ({"distribution": "log_normal", "mu": 1, "sigma": 2}, "log_normal"),
    ({"distribution": "q_log_normal", "q": 0.5}, "q_log_normal"),
    ({"distribution": "beta", "a": 2, "b": 5}, "beta"),
    ({"distribution": "q_beta", "q": 0.1}, "q_beta"),
    ({"distribution": "categorical", "values": [1]}, "categorical"),
    ({"distribution": "constant", "value": 3}, "constant"),
])
def test_valid_kinds(spec, dist):
    assert parse_config(cfg({"x": spec}))["parameters"]["x"]["distribution"] == dist


def test_defaults_filled():
    p = parse_config(cfg({"n": {"distribution": "normal"}, "b": {"distribution": "q_beta"},
                          "q": {"distribution": "q_uniform", "min": 0, "max": 1}}))["parameters"]
    assert p["n"] == {"distribution": "normal", "mu": 0.0, "sigma": 1.0}
    assert p["b"] == {"distribution": "q_beta", "a": 1.0, "b": 1.0, "q": 1.0}
    assert p["q"]["q"] == 1.0


def test_nested_parameters():
    out = parse_config(cfg({"model": {"parameters": {"depth": {"values": [1, 2]},
                                                     "act": {"parameters": {"k": {"value": 1}}}}}}))
    assert out["parameters"]["model"]["parameters"]["depth"]["distribution"] == "categorical"
    assert problems(cfg({"model": {"parameters": {"d": {"min": 2, "max": 1}}}})) == [
        "parameters.model.parameters.d: int_uniform needs min < max, got min=2, max=1"]
    assert any("nested parameters take only" in p for p in
               problems(cfg({"m": {"parameters": {"d": {"value": 1}}, "value": 2}})))


@pytest.mark.parametrize("spec,needle", [
    ({"value": 1, "values": [1]}, "parameters.x: give either 'value' or 'values'"),
    ({"min": 0, "max": 1, "q": 0.1}, "parameters.x: 'q' needs an explicit distribution"),
    ({"mu": 0, "sigma": 1}, "parameters.x: 'mu'/'sigma' need an explicit distribution"),
    ({"min": 3, "max": 3}, "parameters.x: int_uniform needs min < max"),
    ({"min": 3.0, "max": 1}, "parameters.x: uniform needs min < max"),
    ({"values": []}, "parameters.x.values: must be a non-empty list"),
    ({"distribution": "q_uniform", "min": 0, "max": 1, "q": 0}, "parameters.x.q: must be > 0"),
    ({"distribution": "q_uniform", "min": 0, "max": 1, "q": -1}, "parameters.x.q: must be > 0"),
    ({"distribution": "normal", "sigma": -1}, "parameters.x.sigma: must be >= 0"),
    ({"values": [1, 2], "probabilities": [-0.5, 1.5]}, "probabilities: must all be >= 0"),
    ({"values": [1, 2], "probabilities": [0.5]}, "probabilities: must be a list of 2"),
    ({"values": [1, 2], "probabilities": [0.5, 0.6]}, "probabilities: must sum to 1"),
    ({"values": [1], "foo": 1}, "parameters.x.foo: unknown key"),
    ({"distribution": "gaussian"}, "parameters.x.distribution: unknown distribution 'gaussian'"),
    ({"distribution": "q_log_uniform_values", "min": 0, "max": 3},
     "parameters.x: q_log_uniform_values needs min > 0"),
    ({"distribution": "log_uniform_values", "min": -1, "max": 3}, "needs min > 0"),
    ({"distribution": "int_uniform", "min": 0.5, "max": 3}, "parameters.x.min: int_uniform needs an integer"),
    ({"distribution": "uniform", "min": 0}, "parameters.x: distribution 'uniform' needs 'max'"),
    ({"distribution": "uniform", "min": 0, "max": 1, "q": 1}, "key 'q' is not used by distribution 'uniform'"),
    ({"distribution": "uniform", "min": "a", "max": 1}, "parameters.x.min: must be a finite number"),
    ({"distribution": "beta", "a": 0}, "parameters.x.a: beta needs a > 0"),
    ({"min": 1}, "parameters.x: needs both 'min' and 'max'"),
    ({}, "parameters.x: cannot tell the parameter kind"),
    ([1, 2], "parameters.x: must be a mapping"),
    ({"value": object()}, "parameters.x.value: object value"),
])
def test_invalid_param(spec, needle):
    found = problems(cfg({"x": spec}))
    assert any(needle in p for p in found), found


@pytest.mark.parametrize("config,needle", [
    ({"parameters": {"x": {"value": 1}}}, "method: required"),
    ({"method": "evolution", "parameters": {"x": {"value": 1}}}, "method: must be one of"),
    ({"method": "random"}, "parameters: required"),
    ({"method": "random", "parameters": {}}, "parameters: must be a non-empty mapping"),
    ({"method": "random", "parameters": {"1x": {"value": 1}}}, "parameter name '1x' must match"),
    ({"method": "random", "parameters": {"a b": {"value": 1}}}, "parameter name 'a b'"),
    ({"method": "random", "parameters": {"x": {"value": 1}}, "foo": 1}, "foo: unknown key"),
    (cfg({"x": {"value": 1}}, controller={"type": "remote"}), "controller: W&B's form"),
    ({"method": "bayes", "parameters": {"x": {"min": 0, "max": 1}}}, "metric: required for method bayes"),
    (cfg({"x": {"value": 1}}, metric={"goal": "minimize"}), "metric.name: required"),
    (cfg({"x": {"value": 1}}, metric={"name": "l", "goal": "down"}), "metric.goal: must be"),
    (cfg({"x": {"value": 1}}, metric={"name": "l", "target": "x"}), "metric.target: must be a number"),
    (cfg({"x": {"value": 1}}, metric={"name": "l", "bogus": 1}), "metric.bogus: unknown key"),
    (cfg({"x": {"value": 1}}, run_cap=0), "run_cap: must be an integer >= 1"),
    (cfg({"x": {"value": 1}}, run_cap=2.5), "run_cap: must be an integer"),
    (cfg({"x": {"value": 1}}, seed=-1), "seed: must be an integer >= 0"),
    (cfg({"x": {"value": 1}}, seed="abc"), "seed: must be an integer"),
    (cfg({"x": {"value": 1}}, name=3), "name: must be a string"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "median", "min_iter": 1}), "early_terminate.type: must be 'hyperband'"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband"}), "early_terminate: give min_iter, or both max_iter and s"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband", "max_iter": 27}), "give min_iter, or both"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband", "min_iter": 0}), "early_terminate.min_iter: must be an integer >= 1"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband", "min_iter": 1, "eta": 1}), "early_terminate.eta: must be a number > 1"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband", "min_iter": 1, "strict": "yes"}), "early_terminate.strict"),
    (cfg({"x": {"value": 1}}, early_terminate={"type": "hyperband", "min_iter": 1, "x": 1}), "early_terminate.x: unknown key"),
    ({"method": "random", "parameters": {"x": {"value": 1}},
      "early_terminate": {"type": "hyperband", "min_iter": 1}}, "metric: required by early_terminate"),
])
def test_invalid_top_level(config, needle):
    found = problems(config)
    assert any(needle in p for p in found), found


@pytest.mark.parametrize("spec", [
    {"min": 0.0, "max": 1.0}, {"distribution": "log_uniform_values", "min": 1, "max": 2},
    {"distribution": "normal"}, {"values": [1, 2], "probabilities": [0.5, 0.5]},
])
def test_grid_rejects_other_kinds(spec):
    found = problems(cfg({"x": spec}, method="grid"))
    assert len(found) == 1 and found[0].startswith("parameters.x"), found


def test_grid_accepts_its_kinds():
    parse_config(cfg({"a": {"value": 1}, "b": {"values": [1, 2]}, "c": {"min": 1, "max": 3},
                      "d": {"distribution": "q_uniform", "min": 0, "max": 1, "q": 0.25}}, method="grid"))


def test_all_problems_at_once_one_line_each():
    with pytest.raises(SweepConfigError) as exc:
        parse_config({"method": "grid", "oops": 1, "parameters": {
            "batch_size": {"distribution": "q_log_uniform_values", "min": 0, "max": 8},
            "lr": {"min": 1, "max": 0}, "d": {"values": []}}})
    msg = str(exc.value)
    lines = msg.splitlines()
    assert lines[0].startswith("invalid sweep config (") and len(lines) == 1 + len(exc.value.problems)
    assert "  parameters.batch_size: q_log_uniform_values needs min > 0, got min=0" in lines
    assert any(line.strip().startswith("parameters.lr:") for line in lines)
    assert any(line.strip().startswith("oops:") for line in lines)
    assert len(exc.value.problems) >= 5


@pytest.mark.parametrize("old,new", [("log_uniform", "log_uniform_values"),
                                     ("q_log_uniform", "q_log_uniform_values"),
                                     ("inv_log_uniform", "inv_log_uniform_values")])
def test_old_forms_warn(old, new):
    with pytest.warns(DeprecationWarning, match=new) as rec:
        out = parse_config(cfg({"x": {"distribution": old, "min": -3, "max": 0}}))
    assert out["parameters"]["x"]["distribution"] == old
    assert rec[0].filename == __file__  # points at the caller's line


def test_new_forms_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parse_config(SEED_CONFIG)


def test_early_terminate_and_extras_normalized():
    out = parse_config(cfg({"x": {"value": 1}}, seed=7, run_cap=3, name="s", description="d",
                           project="p", program="train.py", command=["${program}"],
                           early_terminate={"type": "hyperband", "max_iter": 27, "s": 2}))
    assert out["early_terminate"] == {"type": "hyperband", "min_iter": None, "max_iter": 27,
                                      "s": 2, "eta": 3, "strict": True}
    assert (out["seed"], out["run_cap"], out["name"]) == (7, 3, "s")
    assert parse_config(cfg({"x": {"value": 1}}, controller={"type": "local"}))["controller"] == {"type": "local"}


def test_yaml_text_and_file(tmp_path):
    text = """
method: bayes
metric: {name: val_loss, goal: minimize, target: 0.1}
parameters:
  lr: {distribution: log_uniform_values, min: 1e-5, max: 1e-1}
  layers: {values: [1, 2]}
"""
    out = parse_config(text)
    assert out["parameters"]["lr"]["min"] == 1e-5 and out["metric"]["target"] == 0.1
    f = tmp_path / "sweep.yaml"
    f.write_text(text)
    assert parse_config(str(f)) == out and parse_config(f) == out
    with pytest.raises(SweepConfigError, match="cannot read"):
        parse_config(str(tmp_path / "missing.yaml"))
    with pytest.raises(SweepConfigError, match="not valid YAML"):
        parse_config("method: [unclosed\n")
    with pytest.raises(SweepConfigError, match="must be a YAML mapping"):
        parse_config("- a\n- b\n")
    with pytest.raises(SweepConfigError, match="give a dict"):
        parse_config(42)
