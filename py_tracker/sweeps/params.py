"""Validation of the `parameters` section of a sweep config, one parameter spec at a time.

Each function appends `key.path: why` lines to `problems` instead of raising, so the
caller reports every problem at once; `_param` returns the normalized spec (explicit
`distribution`, defaults filled in; nested parameters keep `{parameters: ...}`).
"""
from __future__ import annotations

import math
import numbers
import re
from typing import Any

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
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
