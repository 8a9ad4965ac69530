"""What a sweep widget is asked to do, checked before any widget exists: `SweepPlan`.

`SweepPlan.make(...)` validates the arguments of `sweep_widget()` (exactly one of a
training cell or a function, a positive count, a valid config or an existing sweep to
continue, an executor a cell can use: see `sweep_executor`) and derives what the widget shows: the swept parameter names, the metric and
its goal, and the number of trials to expect (count, run_cap or grid size, less the
trials an existing sweep already has).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ...errors import UsageError
from ...sweeps.config import parse_config
from ...sweeps.space import Space
from ...sweeps.store import SweepStore
from .cell import CellTrial
from .executor import ExecutorChoice


@dataclass
class SweepPlan:
    source: Any                  # what sweep() gets: the user's dict / YAML path / text
    config: dict                 # normalized config
    params: list[str]            # searchable parameter names (dotted when nested)
    metric: str | None
    goal: str
    total: int | None            # trials this widget expects to run (None: unbounded)
    resume: str | None           # id of an existing sweep to continue
    trial_fn: Callable[[], Any]  # what each trial calls
    key: str                     # "cell:<id>" / "function:<name>:<id>": one running sweep per key
    choice: ExecutorChoice       # where trials run (local thread, local processes, Dask) and how many at once

    @classmethod
    def make(cls, config: Any, *, cell: str | None, function: Callable[[], Any] | None, count: int | None,
             project: str | None, store: SweepStore, shell: Any, sweep_id: str | None,
             executor: Any = None, parallel: Any = 1) -> "SweepPlan":
        if (cell is None) == (function is None):
            raise UsageError("sweep_widget() needs exactly one of cell='train' (a `%%track --id train` cell) "
                             "or function=train (a function with no arguments)")
        choice = ExecutorChoice.make(executor, parallel, cell=cell is not None)
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise UsageError(f"sweep_widget(count={count!r}): give a positive integer, or None for no limit")
        if cell is not None:
            if shell is None:
                from IPython import get_ipython
                shell = get_ipython()
            trial_fn: Callable[[], Any] = CellTrial(cell, shell)
            key = f"cell:{cell}"
        else:
            if not callable(function):
                raise UsageError(f"sweep_widget(function=...) takes a function with no arguments, got {function!r}")
            trial_fn, key = function, f"function:{getattr(function, '__qualname__', '?')}:{id(function)}"
        resume, tried = None, 0
        if sweep_id is not None:  # continue an existing sweep (e.g. after a kernel restart)
            rec = store.find(sweep_id, project)
            if rec.get("state") in ("stopped", "finished"):
                raise UsageError(f"sweep {rec['id']} is {rec['state']} ({rec.get('reason') or 'no reason'}); "
                                 f"it cannot go on: create a new sweep from its config")
            config, resume, tried = rec["config"], rec["id"], len(store.claims(rec))
        elif config is None:
            raise UsageError("sweep_widget() needs a sweep config (dict, YAML path or YAML text), "
                             "or sweep_id='...' to continue an existing sweep")
        parsed = parse_config(config)  # a bad config fails here, before any button exists
        space = Space(parsed["parameters"])
        metric = parsed.get("metric") or {}
        cap = parsed.get("run_cap")
        grid = space.grid_size() if parsed["method"] == "grid" else None
        bound = [n for n in (count, None if cap is None else max(0, cap - tried),
                             None if grid is None else max(0, grid - tried)) if n is not None]
        return cls(source=config, config=parsed, params=[p.name for p in space.searchable],
                   metric=metric.get("name"), goal=metric.get("goal", "minimize"),
                   total=min(bound) if bound else None, resume=resume, trial_fn=trial_fn, key=key,
                   choice=choice)
