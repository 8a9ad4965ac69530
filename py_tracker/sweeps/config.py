"""Validation of a sweep config (the W&B sweep format) into one normalized, JSON-able dict.

`parse_config(source)` takes a dict, a YAML/JSON file path or a YAML string and either
returns the normalized config or raises one `SweepConfigError` listing every problem,
one line each, naming the key path (`parameters.lr: min must be < max`).

The normalized config is itself a valid sweep config: every parameter gets an explicit
`distribution` with its defaults filled in (nested parameters keep the `{parameters: ...}`
form), and the top level gets `metric`, `early_terminate`, `run_cap` and `seed` (None when
absent). The old exponent forms (`log_uniform`, ...) are accepted with a DeprecationWarning.

Our extension: an optional top-level `seed` (int >= 0) makes the sweep reproducible: the
same seed gives the same trials. `program`, `command`, `entity` and `controller` are accepted
because W&B accepts them (the terminal agent uses `program`/`command` when no command line
is given; `controller` is ignored: the controller is always local here).
"""
from __future__ import annotations

import os
import re
import warnings
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ._warn import user_stacklevel
from .params import (DISTRIBUTIONS, GRID_KINDS, NAME_RE, _is_int, _is_num, _params, _plain,  # noqa: F401
                     _unknown)

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
TOP_KEYS = ("method", "metric", "parameters", "early_terminate", "run_cap", "name",
            "description", "project", "seed", "program", "command", "entity", "controller")
METRIC_KEYS = ("name", "goal", "target")
ET_KEYS = ("type", "min_iter", "max_iter", "s", "eta", "strict")


class SweepConfigError(UsageError):
    """A sweep config was rejected; `.problems` holds one `key.path: why` line per problem."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"invalid sweep config ({n} problem{'s' if n != 1 else ''}):"
        super().__init__("\n  ".join([head, *self.problems]))


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
    ctl = config.get("controller")
    if ctl is not None and (not isinstance(ctl, dict) or set(ctl) - {"type"}
                            or ctl.get("type", "local") not in ("local", "cloud")):
        problems.append(f"controller: W&B's form is {{type: local}} or {{type: cloud}} "
                        f"(both mean the local controller here), got {ctl!r}")
    out["controller"] = ctl
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
