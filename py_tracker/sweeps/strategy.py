"""Search strategies: what the next trial's config is, derived from the trials so far.

A strategy keeps no state of its own between calls: everything comes from the trial
list (read back from the store), so a sweep resumes after a kernel restart and several
agents can share one sweep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence, overload

import numpy as np

from ..storage.records import RunState
from .gp import GaussianProcess, expected_improvement, single_thread_blas
from .space import Space

ENDED_BAD = (RunState.FAILED.value, RunState.CRASHED.value)
PENDING = (RunState.RUNNING.value, "pending", "preempting")  # the last two: trial-only states


@dataclass
class Trial:
    """What a strategy (and hyperband) may know about one trial of a sweep.

    config: the trial's sweep values (nested dicts); state: the run's state
    ("running", "finished", "failed", "crashed", "stopped"); value: the metric's last
    logged value (None if never logged); history: every logged value of the metric in order.
    """

    id: str
    config: dict
    state: str = RunState.RUNNING.value
    value: float | None = None
    history: list[float] = field(default_factory=list)

    @property
    def pending(self) -> bool:
        return self.state in PENDING


class TrialList(Sequence[Trial]):
    """A sweep's trials in claim order as a read-only sequence, plus `pending`: those still
    going (what a strategy must not repeat), kept by the store as trials start and end.

    Why: a strategy that looks only at pending trials (random search) would otherwise pass
    over every trial at every claim, a cost that grows with the sweep (~1 ms at 10k trials).
    The view shares the store's append-only list of trials (`tail`, its first `n` entries)
    instead of copying it per claim. `head`: trials listed before it (prior runs).
    """

    def __init__(self, head: Sequence[Trial], tail: Sequence[Trial], n: int, pending: Sequence[Trial]):
        self._head, self._tail, self._n = head, tail, n
        self.pending = list(pending)

    def __len__(self) -> int:
        return len(self._head) + self._n

    @overload
    def __getitem__(self, i: int) -> Trial: ...
    @overload
    def __getitem__(self, i: slice) -> list[Trial]: ...

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        h = len(self._head)
        return self._head[i] if i < h else self._tail[i - h]

    def __iter__(self) -> Iterator[Trial]:
        yield from self._head
        for i in range(self._n):
            yield self._tail[i]


def pending_of(trials: Sequence[Trial]) -> list[Trial]:
    """The pending trials: `TrialList.pending` as kept by the store, else one pass over them."""
    if isinstance(trials, TrialList):
        return trials.pending
    return [t for t in trials if t.state in PENDING]


def objective(trials: list[Trial], goal: str) -> tuple[list[Trial], np.ndarray]:
    """The ended trials and their score to minimize (negated for maximize); failed,
    crashed and metric-less trials score the worst result seen. Empty when nothing scored."""
    ended = [t for t in trials if not t.pending]
    sign = -1.0 if goal == "maximize" else 1.0
    raw = [None if t.state in ENDED_BAD or t.value is None else sign * float(t.value)
           for t in ended]
    seen = [v for v in raw if v is not None and np.isfinite(v)]
    if not seen:
        return [], np.empty(0)
    worst = max(seen)
    return ended, np.array([v if v is not None and np.isfinite(v) else worst for v in raw])


class Strategy:
    """Interface of a search strategy.

    `suggest(space, trials, rng)` returns the next trial's config (a nested dict holding
    every parameter, constants included) or None when the search is exhausted. `trials`
    are every trial the sweep has started, pending ones included, in start order (a
    sequence: the store passes a `TrialList`; `pending_of(trials)` gives the pending ones
    without a pass over all); `rng` is a numpy Generator. It must not return the config of
    a pending trial again.
    """

    #: False when `suggest` only looks at the trials' configs (not at states or results):
    #: the agent then skips reading the runs back, which keeps grid/random cheap.
    needs_results = True

    def __init__(self, config: dict | None = None):
        self.config = config or {}

    def suggest(self, space: Space, trials: list[Trial],
                rng: np.random.Generator | None = None) -> dict | None:
        raise NotImplementedError


class GridStrategy(Strategy):
    """The first grid point (cartesian order) no trial has used; None when all are used."""

    needs_results = False

    def suggest(self, space, trials, rng=None):
        tried = {space.key(t.config) for t in trials}
        for point in space.grid():
            if space.key(point) not in tried:
                return point
        return None


class RandomStrategy(Strategy):
    """Independent draws; avoids repeating a pending trial's config when it can."""

    needs_results = False

    def suggest(self, space, trials, rng=None, avoid_all: bool = False):
        """avoid_all: also avoid configs already tried (bayes' fallback on small spaces)."""
        rng = rng if rng is not None else np.random.default_rng()
        # the pending trials as the store keeps them: no pass over every trial per claim
        avoid = {space.key(t.config) for t in (trials if avoid_all else pending_of(trials))}
        point = space.sample(rng)
        for _ in range(200 if avoid_all else 20):
            if space.key(point) not in avoid:
                break
            point = space.sample(rng)
        return point


class BayesStrategy(Strategy):
    """GP + expected improvement over the unit cube of the parameters' CDFs.

    Pending trials enter the GP as if they had scored the worst result (a constant liar),
    so parallel agents spread out, and a config equal to an existing trial's is never
    proposed while another candidate is left. Fewer than two results: random.
    """

    n_random = 1024
    n_local = 512

    def suggest(self, space, trials, rng=None):
        rng = rng if rng is not None else np.random.default_rng()
        goal = (self.config.get("metric") or {}).get("goal", "minimize")
        ended, y = objective(trials, goal)
        if len(y) < 2 or space.dim == 0:
            return RandomStrategy(self.config).suggest(space, trials, rng, avoid_all=True)
        with single_thread_blas():
            return self._suggest(space, trials, rng, ended, y)

    def _suggest(self, space: Space, trials: list[Trial], rng: np.random.Generator,
                 ended: list[Trial], y: np.ndarray) -> dict:
        pending = pending_of(trials)
        X = np.array([space.to_unit(t.config) for t in ended + pending])
        y_all = np.concatenate([y, np.full(len(pending), y.max())])
        gp = GaussianProcess().fit(X, y_all)
        cand, ei = self._candidates(space, X[: len(y)], y, gp, rng)
        used = {space.key(t.config) for t in trials}
        for i in np.argsort(-ei)[:64]:
            point = space.from_unit(cand[i])
            if space.key(point) not in used:
                return point
        return RandomStrategy(self.config).suggest(space, trials, rng, avoid_all=True)

    def _candidates(self, space: Space, X: np.ndarray, y: np.ndarray, gp: GaussianProcess,
                    rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Uniform points plus Gaussian steps around the best results, snapped to the
        discrete parameters' bins; then one refinement round around the best EI."""
        d = space.dim
        top = X[np.argsort(y)[:5]]
        ls = np.exp(gp.theta[:d])
        scale = np.clip(0.25 * ls, 0.005, 0.2)
        local = top[rng.integers(len(top), size=self.n_local)] + rng.normal(
            size=(self.n_local, d)) * scale * rng.choice([1.0, 0.3, 0.1], size=(self.n_local, 1))
        cand = _snap(space, np.clip(np.vstack([rng.random((self.n_random, d)), local]), 0.0, 1.0))
        ei = self._ei(gp, cand, y)
        best = cand[np.argsort(-ei)[:8]]
        fine = best[rng.integers(len(best), size=256)] + rng.normal(size=(256, d)) * scale * 0.1
        fine = _snap(space, np.clip(fine, 0.0, 1.0))
        return np.vstack([cand, fine]), np.concatenate([ei, self._ei(gp, fine, y)])

    @staticmethod
    def _ei(gp: GaussianProcess, cand: np.ndarray, y: np.ndarray) -> np.ndarray:
        mu, sd = gp.predict(cand)
        return expected_improvement(mu, sd, float(y.min()), xi=0.01 * gp.y_std)


def _snap(space: Space, cand: np.ndarray) -> np.ndarray:
    """Move discrete coordinates to the middle of their bin (what the trial would get)."""
    for j, p in enumerate(space.searchable):
        if p.dist == "int_uniform":
            n = p.spec["max"] - p.spec["min"] + 1
            cand[:, j] = (np.minimum(np.floor(cand[:, j] * n), n - 1) + 0.5) / n
        elif p.dist == "categorical":
            cum = p.cum
            i = np.minimum(np.searchsorted(cum, cand[:, j], side="right"), len(cum) - 1)
            lo = np.where(i > 0, cum[np.maximum(i - 1, 0)], 0.0)
            cand[:, j] = (lo + cum[i]) / 2
    return cand


def make_strategy(config: dict) -> Strategy:
    """The strategy for a normalized sweep config's `method`."""
    kinds: dict[str, Any] = {"grid": GridStrategy, "random": RandomStrategy, "bayes": BayesStrategy}
    return kinds[config["method"]](config)
