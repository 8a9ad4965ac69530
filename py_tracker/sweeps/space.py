"""The search space of a sweep: its parameters as leaves with an inverse CDF.

Every distribution of the spec is written as `sample(u)`, u in [0, 1] (the inverse CDF),
with `to_unit(value)` its CDF, so random search draws u uniformly and bayes works in the
unit cube and maps back. Nested parameters are flattened to leaves with a path
(`("model", "depth")`) and rebuilt into nested dicts for the trial's config.
"""
from __future__ import annotations

import copy
import itertools
import math
from typing import Any, Iterator

import numpy as np
from scipy import special

_EPS = 1e-12
MISSING = object()


def canon(v: Any) -> Any:
    """A hashable form of a JSON value for equality per the spec: 1 == 1.0, True != 1,
    dict key order irrelevant, lists and tuples alike."""
    if v is None:
        return ("z",)
    if isinstance(v, bool):
        return ("b", v)
    if isinstance(v, (int, float)) or hasattr(v, "__float__") and not isinstance(v, str):
        f = float(v)
        if isinstance(v, int) or (math.isfinite(f) and f.is_integer()):
            return ("n", int(v) if isinstance(v, int) else int(f))
        return ("n", f)
    if isinstance(v, str):
        return ("s", v)
    if isinstance(v, dict):
        return ("d", tuple(sorted((str(k), canon(x)) for k, x in v.items())))
    if isinstance(v, (list, tuple)):
        return ("l", tuple(canon(x) for x in v))
    return ("r", repr(v))


def rq(x: float, q: float | int) -> float | int:
    """Round x to a multiple of q, half to even; an int when q is an int."""
    if isinstance(q, int) and not isinstance(q, bool):
        return int(round(x / q)) * q
    v = round(x / q) * q
    return float(f"{v:.12g}")


class Param:
    """One leaf parameter: `path`, its normalized `spec`, and the maths of its distribution."""

    def __init__(self, path: tuple[str, ...], spec: dict):
        self.path = path
        self.spec = spec
        self.dist: str = spec["distribution"]
        base = self.dist[2:] if self.dist.startswith("q_") else self.dist
        self.base = base
        self.q = spec.get("q") if self.dist.startswith("q_") else None
        if self.dist == "categorical":
            n = len(spec["values"])
            probs = spec.get("probabilities") or [1.0 / n] * n
            total = float(sum(probs))
            self.cum = np.cumsum([p / total for p in probs])
            self.cum[-1] = 1.0
            self.keys = [canon(v) for v in spec["values"]]

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def searchable(self) -> bool:
        return self.dist != "constant"

    def sample(self, u: float) -> Any:
        """The value at quantile u (u in [0, 1])."""
        s = self.spec
        u = min(max(float(u), 0.0), 1.0)
        if self.dist == "constant":
            return copy.deepcopy(s["value"])
        if self.dist == "categorical":
            i = int(np.searchsorted(self.cum, u, side="right"))
            i = min(i, len(self.cum) - 1)
            while i > 0 and self.cum[i] == self.cum[i - 1]:  # zero-probability item
                i -= 1
            return copy.deepcopy(s["values"][i])
        if self.dist == "int_uniform":
            lo, hi = s["min"], s["max"]
            return min(lo + int(math.floor(u * (hi - lo + 1))), hi)
        x = self._continuous(u)
        return rq(x, self.q) if self.q is not None else x

    def _continuous(self, u: float) -> float:
        s, b = self.spec, self.base
        if b == "uniform":
            return float(s["min"] + u * (s["max"] - s["min"]))
        if b in ("log_uniform_values", "inv_log_uniform_values"):
            lo, hi = math.log(s["min"]), math.log(s["max"])
            return math.exp(lo + u * (hi - lo))
        if b == "log_uniform":
            return math.exp(s["min"] + u * (s["max"] - s["min"]))
        if b == "inv_log_uniform":
            return math.exp(-(s["max"] - u * (s["max"] - s["min"])))
        uc = min(max(u, _EPS), 1.0 - _EPS)
        if b in ("normal", "log_normal"):
            z = s["mu"] + s["sigma"] * float(special.ndtri(uc))
            return math.exp(z) if b == "log_normal" else z
        if b == "beta":
            return float(special.betaincinv(s["a"], s["b"], u))
        raise ValueError(f"unknown distribution {self.dist!r}")

    def to_unit(self, v: Any) -> float:
        """The CDF: where value v sits in [0, 1] (the middle of its bin for discrete kinds)."""
        s, b = self.spec, self.base
        if v is MISSING or v is None and self.dist != "categorical":
            return 0.5
        if self.dist == "constant":
            return 0.5
        if self.dist == "categorical":
            try:
                i = self.keys.index(canon(v))
            except ValueError:
                return 0.5
            lo = self.cum[i - 1] if i else 0.0
            return float((lo + self.cum[i]) / 2)
        try:
            x = float(v)
        except (TypeError, ValueError):
            return 0.5
        if self.dist == "int_uniform":
            u = (x - s["min"] + 0.5) / (s["max"] - s["min"] + 1)
        elif b == "uniform":
            u = (x - s["min"]) / (s["max"] - s["min"])
        elif b in ("log_uniform_values", "inv_log_uniform_values"):
            lo, hi = math.log(s["min"]), math.log(s["max"])
            u = (math.log(x) - lo) / (hi - lo) if x > 0 else 0.0
        elif b == "log_uniform":
            u = (math.log(x) - s["min"]) / (s["max"] - s["min"]) if x > 0 else 0.0
        elif b == "inv_log_uniform":
            u = (s["max"] + math.log(x)) / (s["max"] - s["min"]) if x > 0 else 0.0
        elif b in ("normal", "log_normal"):
            if b == "log_normal":
                if x <= 0:
                    return 0.0
                x = math.log(x)
            u = 0.5 if s["sigma"] == 0 else float(special.ndtr((x - s["mu"]) / s["sigma"]))
        elif b == "beta":
            u = float(special.betainc(s["a"], s["b"], min(max(x, 0.0), 1.0)))
        else:
            return 0.5
        return min(max(u, 0.0), 1.0)

    def grid_values(self) -> list:
        """Every value grid search tries, duplicates collapsed, in spec order."""
        s = self.spec
        if self.dist == "constant":
            vals = [s["value"]]
        elif self.dist == "categorical":
            vals = s["values"]
        elif self.dist == "int_uniform":
            vals = list(range(s["min"], s["max"] + 1))
        elif self.dist == "q_uniform":
            lo, hi, q = s["min"], s["max"], s["q"]
            exact = all(isinstance(x, int) for x in (lo, hi, q))
            n = int(math.floor((hi - lo) / q + 1e-9))
            vals = [lo + k * q if exact else float(f"{lo + k * q:.12g}") for k in range(n + 1)]
            vals = [v for v in vals if v < hi] or [lo]
        else:
            raise ValueError(f"{self.name}: distribution {self.dist!r} has no grid")
        out, seen = [], set()
        for v in vals:
            k = canon(v)
            if k not in seen:
                seen.add(k)
                out.append(v)
        return out


def _leaves(params: dict, prefix: tuple[str, ...] = ()) -> Iterator[Param]:
    for name, spec in params.items():
        if "parameters" in spec:
            yield from _leaves(spec["parameters"], prefix + (name,))
        else:
            yield Param(prefix + (name,), spec)


def get_path(d: Any, path: tuple[str, ...]) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return MISSING
        d = d[k]
    return d


def set_path(d: dict, path: tuple[str, ...], value: Any) -> None:
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = value


class Space:
    """All leaves of a normalized `parameters` mapping, sorted by path (grid order)."""

    def __init__(self, parameters: dict):
        self.params = sorted(_leaves(parameters), key=lambda p: p.path)
        self.searchable = [p for p in self.params if p.searchable]
        self.constants = [p for p in self.params if not p.searchable]

    @property
    def dim(self) -> int:
        return len(self.searchable)

    def build(self, values: dict[tuple[str, ...], Any]) -> dict:
        """A trial config (nested dicts) from leaf values; constants added."""
        out: dict = {}
        for p in self.params:
            set_path(out, p.path, values[p.path] if p.path in values else p.sample(0.5))
        return out

    def sample(self, rng: np.random.Generator) -> dict:
        """One independent draw of every searchable parameter."""
        return self.from_unit(rng.random(self.dim))

    def from_unit(self, x: np.ndarray) -> dict:
        return self.build({p.path: p.sample(u) for p, u in zip(self.searchable, x)})

    def to_unit(self, config: dict) -> np.ndarray:
        return np.array([p.to_unit(get_path(config, p.path)) for p in self.searchable], float)

    def key(self, config: dict) -> tuple:
        """Equality key of a config over the searchable leaves (spec's value equality)."""
        return tuple(canon(v) if (v := get_path(config, p.path)) is not MISSING else ("missing",)
                     for p in self.searchable)

    def extract(self, config: dict) -> dict:
        """The sweep's parameters out of a run's config (which may hold other keys too)."""
        values = {p.path: v for p in self.params
                  if (v := get_path(config, p.path)) is not MISSING}
        out: dict = {}
        for path, v in values.items():
            set_path(out, path, v)
        return out

    def grid_size(self) -> int:
        return math.prod(len(p.grid_values()) for p in self.searchable)

    def grid(self) -> Iterator[dict]:
        """Every grid point: cartesian product in sorted-name order, last name fastest."""
        lists = [p.grid_values() for p in self.searchable]
        for combo in itertools.product(*lists):
            yield self.build({p.path: copy.deepcopy(v) for p, v in zip(self.searchable, combo)})
