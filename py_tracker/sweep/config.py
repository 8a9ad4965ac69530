"""Validation of a sweep config (the W&B sweep format) into one normalized, JSON-able dict.

`parse_config(source)` takes a dict, a YAML/JSON file path or a YAML string and either
returns the normalized config or raises one `SweepConfigError` listing every problem,
one line each, naming the key path (`parameters.lr: min must be < max`).

The normalized config is itself a valid sweep config: every parameter gets an explicit
`distribution` with its defaults filled in (nested parameters keep the `{parameters: ...}`
form), and the top level gets `metric`, `early_terminate`, `run_cap` and `seed` (None when
absent). The old exponent forms (`log_uniform`, ...) are accepted with a DeprecationWarning.

Our extension: an optional top-level `seed` (int >= 0) makes the sweep reproducible: the
same seed gives the same trials. `program`, `command` and `entity` are accepted because W&B
accepts them (the terminal agent uses `program`/`command` when no command line is given).
"""
from __future__ import annotations

import math
import numbers
import os
import re
import warnings
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ._warn import user_stacklevel

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
TOP_KEYS = ("method", "metric", "parameters", "early_terminate", "run_cap", "name",
            "description", "project", "seed", "program", "command", "entity")
METRIC_KEYS = ("name", "goal", "target")
ET_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")
PARAM_KEYS = ("distribution", "value", "values", "probabilities", "min", "max", "q",
              "mu", "sigma", "a", "b", "parameters")

# distribution -> (required keys, optional keys with defaults)
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "constant": (("value",), {}),
    "categorical": (("values",), {"probabilities": None}),
    "int_uniform": (("min", "max"), {}),
    "uniform": (("min", "max"), {}),
    "q_uniform": (("min", "max"), {"q": 1.0}),
    "log_uniform_values": (("min", "max"), {}),
    "q_log_uniform_values": (("min", "max"), {"q": 1.0}),
    "inv_log_uniform_values": (("min", "max"), {}),
    "log_uniform": (("min", "max"), {}),
    "q_log_uniform": (("min", "max"), {"q": 1.0}),
    "inv_log_uniform": (("min", "max"), {}),
    "normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "log_normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "beta": ((), {"a": 1.0, "b": 1.0}),
    "q_beta": ((), {"a": 1.0, "b": 1.0, "q": 1.0}),
}
DEPRECATED = {"log_uniform": "log_uniform_values", "q_log_uniform": "q_log_uniform_values",
              "inv_log_uniform": "inv_log_uniform_values"}
POSITIVE_MIN = ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values")
GRID_KINDS = ("constant", "categorical", "int_uniform", "q_uniform")


class SweepConfigError(UsageError):
    """A sweep config was rejected; `.problems` holds one `key.path: why` line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"invalid sweep config ({n} problem{'s' if n != 1 else ''}):"
        super().__init__("\n  ".join([head, *self.problems]))


def _is_num(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and math.isfinite(float(x))


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _plain(x: Any) -> Any:
    """numpy scalars -> Python numbers, tuples -> lists; other values unchanged."""
    if hasattr(x, "item") and not isinstance(x, (list, dict, str)):
        try:
            return x.item()
        except (TypeError, ValueError):
            return x
    return x


def _json_value(x: Any, path: str, problems: list[str]) -> Any:
    """Return x as plain JSON data (lists, dicts with str keys...) or record why not."""
    x = _plain(x)
    if x is None or isinstance(x, (bool, str)) or _is_num(x):
        return x
    if isinstance(x, float):
        problems.append(f"{path}: {x!r} is not a finite number")
        return x
    if isinstance(x, (list, tuple)):
        return [_json_value(v, f"{path}[{i}]", problems) for i, v in enumerate(x)]
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if not isinstance(k, str):
                problems.append(f"{path}: dict keys must be strings, got {k!r}")
                continue
            out[k] = _json_value(v, f"{path}.{k}", problems)
        return out
    problems.append(f"{path}: {type(x).__name__} value {x!r} is not JSON data "
                    "(use numbers, strings, booleans, null, lists or dicts)")
    return x


def _unknown(d: dict, allowed: tuple[str, ...], path: str, problems: list[str]) -> None:
    where = f"{path}." if path else ""
    for k in d:
        if k not in allowed:
            problems.append(f"{where}{k}: unknown key (allowed here: {', '.join(allowed)})")


def _infer(spec: dict, path: str, problems: list[str]) -> str | None:
    """The distribution of a spec without `distribution`, per the spec's inference rules."""
    has = set(spec)
    if {"value", "values"} <= has:
        problems.append(f"{path}: give either 'value' or 'values', not both")
        return None
    if "value" in has:
        return "constant"
    if "values" in has:
        return "categorical"
    if "q" in has:
        problems.append(f"{path}: 'q' needs an explicit distribution "
                        "(q_uniform, q_log_uniform_values, q_normal, q_log_normal or q_beta)")
        return None
    if has & {"mu", "sigma"}:
        problems.append(f"{path}: 'mu'/'sigma' need an explicit distribution "
                        "(normal, q_normal, log_normal or q_log_normal)")
        return None
    if has & {"a", "b"}:
        problems.append(f"{path}: 'a'/'b' need an explicit distribution (beta or q_beta)")
        return None
    if {"min", "max"} <= has:
        lo, hi = _plain(spec["min"]), _plain(spec["max"])
        return "int_uniform" if _is_int(lo) and _is_int(hi) else "uniform"
    if has & {"min", "max"}:
        problems.append(f"{path}: needs both 'min' and 'max'")
        return None
    problems.append(f"{path}: cannot tell the parameter kind; give 'value', 'values', "
                    "'min' and 'max', 'parameters', or a 'distribution'")
    return None


def _check_numbers(dist: str, out: dict, path: str, problems: list[str]) -> None:
    """Range and type rules of one explicit distribution (keys already present in `out`)."""
    for key in ("min", "max", "q", "mu", "sigma", "a", "b"):
        if key in out and not _is_num(out[key]):
            problems.append(f"{path}.{key}: must be a finite number, got {out[key]!r}")
            out[key] = None
    lo, hi = out.get("min"), out.get("max")
    if dist == "int_uniform":
        for key in ("min", "max"):
            if out.get(key) is not None and not _is_int(out[key]):
                problems.append(f"{path}.{key}: int_uniform needs an integer, got {out[key]!r}")
    if lo is not None and hi is not None and lo >= hi:
        problems.append(f"{path}: {dist} needs min < max, got min={lo!r}, max={hi!r}")
    if dist in POSITIVE_MIN and lo is not None and lo <= 0:
        problems.append(f"{path}: {dist} needs min > 0, got min={lo!r}")
    if out.get("q") is not None and out["q"] <= 0:
        problems.append(f"{path}.q: must be > 0, got {out['q']!r}")
    if out.get("sigma") is not None and out["sigma"] < 0:
        problems.append(f"{path}.sigma: must be >= 0, got {out['sigma']!r}")
    for key in ("a", "b"):
        if out.get(key) is not None and out[key] <= 0:
            problems.append(f"{path}.{key}: beta needs {key} > 0, got {out[key]!r}")


def _check_categorical(out: dict, path: str, problems: list[str]) -> None:
    values = out.get("values")
    if not isinstance(values, list) or not values:
        problems.append(f"{path}.values: must be a non-empty list, got {values!r}")
        return
    probs = out.get("probabilities")
    if probs is None:
        out.pop("probabilities", None)
        return
    if not isinstance(probs, list) or len(probs) != len(values):
        problems.append(f"{path}.probabilities: must be a list of {len(values)} numbers "
                        f"(one per value), got {probs!r}")
        return
    if not all(_is_num(p) for p in probs):
        problems.append(f"{path}.probabilities: must all be numbers, got {probs!r}")
        return
    if any(p < 0 for p in probs):
        problems.append(f"{path}.probabilities: must all be >= 0, got {probs!r}")
    elif abs(sum(probs) - 1.0) > 1e-4:
        problems.append(f"{path}.probabilities: must sum to 1, they sum to {sum(probs):g}")


def _param(spec: Any, path: str, method: str, problems: list[str], deprecated: list[str]) -> dict:
    """Validate one parameter spec; return its normalized form."""
    if not isinstance(spec, dict):
        problems.append(f"{path}: must be a mapping such as {{values: [...]}} or "
                        f"{{min: 0, max: 1}}, got {spec!r}")
        return {}
    _unknown(spec, PARAM_KEYS, path, problems)
    if "parameters" in spec:
        extra = [k for k in spec if k != "parameters"]
        if extra:
            problems.append(f"{path}: nested parameters take only 'parameters', "
                            f"also got {', '.join(map(repr, extra))}")
        return {"parameters": _params(spec["parameters"], f"{path}.parameters", method,
                                      problems, deprecated)}
    spec = {k: v for k, v in spec.items() if k in PARAM_KEYS}
    dist = spec.pop("distribution", None)
    if dist is None:
        dist = _infer(spec, path, problems)
        if dist is None:
            return {}
    elif not isinstance(dist, str) or dist not in DISTRIBUTIONS:
        problems.append(f"{path}.distribution: unknown distribution {dist!r} "
                        f"(one of: {', '.join(DISTRIBUTIONS)})")
        return {}
    required, optional = DISTRIBUTIONS[dist]
    for k in spec:
        if k not in required and k not in optional:
            problems.append(f"{path}: key {k!r} is not used by distribution {dist!r} "
                            f"(it takes: {', '.join((*required, *optional)) or 'nothing'})")
    out: dict[str, Any] = {"distribution": dist}
    for k in required:
        if k not in spec:
            problems.append(f"{path}: distribution {dist!r} needs {k!r}")
            out[k] = None
        else:
            out[k] = _json_value(spec[k], f"{path}.{k}", problems)
    for k, default in optional.items():
        out[k] = _json_value(spec.get(k, default), f"{path}.{k}", problems)
    if dist == "categorical":
        _check_categorical(out, path, problems)
    elif dist != "constant":
        _check_numbers(dist, out, path, problems)
    if dist in DEPRECATED:
        deprecated.append(f"{path}: distribution {dist!r} takes natural-log exponents and is "
                          f"deprecated; use {DEPRECATED[dist]!r} with min/max given as values "
                          f"(min=exp({out.get('min')}), max=exp({out.get('max')}))")
    if method == "grid":
        if dist not in GRID_KINDS:
            problems.append(f"{path}: distribution {dist!r} cannot be used with method grid "
                            "(use value, values, int_uniform or q_uniform)")
        elif dist == "categorical" and out.get("probabilities") is not None:
            problems.append(f"{path}.probabilities: not allowed with method grid "
                            "(grid tries every value once)")
    return out


def _params(params: Any, path: str, method: str, problems: list[str],
            deprecated: list[str]) -> dict:
    if not isinstance(params, dict) or not params:
        problems.append(f"{path}: must be a non-empty mapping of name -> parameter spec")
        return {}
    out = {}
    for name, spec in params.items():
        if not isinstance(name, str) or not NAME_RE.match(name):
            problems.append(f"{path}: parameter name {name!r} must match {NAME_RE.pattern}")
            continue
        out[name] = _param(spec, f"{path}.{name}", method, problems, deprecated)
    return out


def _metric(m: Any, problems: list[str]) -> dict | None:
    if not isinstance(m, dict):
        problems.append(f"metric: must be a mapping like {{name: loss, goal: minimize}}, got {m!r}")
        return None
    _unknown(m, METRIC_KEYS, "metric", problems)
    name = m.get("name")
    if not isinstance(name, str) or not name:
        problems.append("metric.name: required, the key your code passes to log()")
    goal = m.get("goal", "minimize")
    if goal not in GOALS:
        problems.append(f"metric.goal: must be 'minimize' or 'maximize', got {goal!r}")
    out = {"name": name, "goal": goal, "target": None}
    if m.get("target") is not None:
        if not _is_num(m["target"]):
            problems.append(f"metric.target: must be a number, got {m['target']!r}")
        else:
            out["target"] = _plain(m["target"])
    return out


def _early_terminate(et: Any, problems: list[str]) -> dict | None:
    p = "early_terminate"
    if not isinstance(et, dict):
        problems.append(f"{p}: must be a mapping like {{type: hyperband, min_iter: 3}}")
        return None
    _unknown(et, ET_KEYS, p, problems)
    if et.get("type") != "hyperband":
        problems.append(f"{p}.type: must be 'hyperband', got {et.get('type')!r}")
    out: dict[str, Any] = {"type": "hyperband", "min_iter": None, "max_iter": None, "s": None,
                           "eta": 3, "strict": True}
    for key in ("min_iter", "max_iter", "s"):
        if et.get(key) is not None:
            if not _is_int(et[key]) or et[key] < 1:
                problems.append(f"{p}.{key}: must be an integer >= 1, got {et[key]!r}")
            else:
                out[key] = int(et[key])
    if out["min_iter"] is None and (out["max_iter"] is None or out["s"] is None):
        if not any(f"{p}.{k}:" in x for x in problems for k in ("min_iter", "max_iter", "s")):
            problems.append(f"{p}: give min_iter, or both max_iter and s")
    if "eta" in et:
        if not _is_num(et["eta"]) or et["eta"] <= 1:
            problems.append(f"{p}.eta: must be a number > 1, got {et['eta']!r}")
        else:
            out["eta"] = _plain(et["eta"])
    if "strict" in et:
        if not isinstance(et["strict"], bool):
            problems.append(f"{p}.strict: must be true or false, got {et['strict']!r}")
        else:
            out["strict"] = et["strict"]
    return out


def validate(config: dict) -> tuple[dict, list[str]]:
    """Check a config dict; return (normalized config, problems) without raising."""
    problems: list[str] = []
    deprecated: list[str] = []
    if not isinstance(config, dict):
        return {}, [f"sweep config: must be a mapping, got {type(config).__name__}"]
    _unknown(config, TOP_KEYS, "", problems)
    method = config.get("method")
    if method is None:
        problems.append(f"method: required, one of {', '.join(METHODS)}")
    elif method not in METHODS:
        problems.append(f"method: must be one of {', '.join(METHODS)}, got {method!r}")
    out: dict[str, Any] = {"method": method}
    out["metric"] = _metric(config["metric"], problems) if config.get("metric") is not None else None
    if "parameters" not in config:
        problems.append("parameters: required, at least one parameter")
        out["parameters"] = {}
    else:
        out["parameters"] = _params(config["parameters"], "parameters", method, problems, deprecated)
    et = config.get("early_terminate")
    out["early_terminate"] = _early_terminate(et, problems) if et is not None else None
    if out["metric"] is None:
        if method == "bayes":
            problems.append("metric: required for method bayes (e.g. {name: loss, goal: minimize})")
        if out["early_terminate"] is not None:
            problems.append("metric: required by early_terminate (hyperband needs a metric)")
    for key, minimum in (("run_cap", 1), ("seed", 0)):
        v = _plain(config.get(key))
        if v is not None and (not _is_int(v) or v < minimum):
            problems.append(f"{key}: must be an integer >= {minimum}, got {v!r}")
        out[key] = v
    for key in ("name", "description", "project", "program", "entity"):
        v = config.get(key)
        if v is not None and not isinstance(v, str):
            problems.append(f"{key}: must be a string, got {v!r}")
        out[key] = v
    cmd = config.get("command")
    if cmd is not None and (not isinstance(cmd, list) or not all(isinstance(c, str) for c in cmd)):
        problems.append(f"command: must be a list of strings, got {cmd!r}")
    out["command"] = cmd
    if not problems:
        for msg in deprecated:
            warnings.warn(msg, DeprecationWarning, stacklevel=user_stacklevel())
    return out, problems


def parse_config(source: dict | str | os.PathLike[str]) -> dict:
    """Load (dict, YAML/JSON path, or YAML text) and validate; raise SweepConfigError on problems."""
    config, problems = validate(load_source(source))
    if problems:
        raise SweepConfigError(problems)
    return config


def load_source(source: dict | str | os.PathLike[str]) -> Any:
    """A dict as is; a path (existing file, or a name ending .yaml/.yml/.json) read; else YAML text."""
    if isinstance(source, dict):
        return source
    if isinstance(source, os.PathLike) or (
            isinstance(source, str) and "\n" not in source
            and (source.endswith((".yaml", ".yml", ".json")) or os.path.isfile(source))):
        path = Path(source).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SweepConfigError([f"sweep config file {str(path)!r}: cannot read it ({exc})"]) from None
        return _yaml(text, str(path))
    if isinstance(source, str):
        return _yaml(source, "sweep config text")
    raise SweepConfigError([f"sweep config: give a dict, a YAML file path or YAML text, "
                            f"got {type(source).__name__}"])


def _yaml(text: str, where: str) -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        """SafeLoader that also reads `1e-3` as a float (YAML 1.2), as users expect."""

    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
        list("-+0123456789"))
    try:
        data = yaml.load(text, Loader=Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        raise SweepConfigError([f"{where}: not valid YAML ({exc})"]) from None
    if not isinstance(data, dict):
        raise SweepConfigError([f"{where}: must be a YAML mapping (method:, parameters:, ...)"])
    return data
