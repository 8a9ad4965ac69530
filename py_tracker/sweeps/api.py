"""`sweep()` and `agent()`: W&B's sweep API, offline, on the catalog.

`sweep(config, project=...)` validates and stores the sweep and returns its id.
`agent(sweep_id, function=train, count=N)` loops: claim the next trial under the catalog
lock (strategy over the stored trials; run_cap, metric.target, grid exhaustion and the
sweep's paused/stopped state honoured), run it (a function here, or a command), watch it
(stop, skip, hyperband), repeat. Because every decision is derived from the store, a
second agent (thread or process) or a restarted kernel continues the same sweep.
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..core.names import check_project, new_id
from ..core.trial import TrialContext
from ..errors import UsageError
from ..settings import project_env
from ..storage.records import RunState, SweepState, claim_entry, join_sweep, new_sweep, save_run
from .config import parse_config
from .runners import CommandRunner, FunctionRunner, TrialRunner
from .space import Space
from .store import SweepStore
from .strategy import Trial, make_strategy
from .watcher import TrialWatcher

log = logging.getLogger("py_tracker")
DEFAULT_PROJECT = "uncategorized"
PAUSE_POLL = 0.2


def _project(project: str | None, config: dict) -> str:
    return check_project(project or config.get("project") or project_env() or DEFAULT_PROJECT)


def sweep(sweep: dict | str | os.PathLike[str] | None = None, entity: str | None = None,
          project: str | None = None, prior_runs: list[str] | None = None, *,
          config: dict | str | None = None, root: str | os.PathLike[str] | None = None) -> str:
    """Create a sweep from a config (dict, YAML path or YAML text); return its id.

    W&B's signature (`sweep`, `entity`, `project`, `prior_runs`); `config=` is accepted as
    another name for the first argument, `root` picks the store (default PY_TRACKER_DIR or
    ~/.py_tracker). `prior_runs`: ids of existing runs that join the sweep as its first
    trials (bayes learns from them; grid does not repeat their points).
    """
    source = sweep if sweep is not None else config
    if source is None:
        raise UsageError("sweep() needs a config: sweep({'method': 'random', 'parameters': {...}}, project=...)")
    cfg = parse_config(source)
    store = SweepStore(root)
    proj = _project(project, cfg)
    now = time.time()
    rec = new_sweep(new_id(), proj, cfg, cfg["seed"] if cfg.get("seed") is not None else secrets.randbits(32),
                    entity=entity or cfg.get("entity"), name=cfg.get("name"), now=now)
    space = Space(cfg["parameters"])
    for run_id in prior_runs or []:
        run = store.catalog.get("runs", run_id)
        if run is None:
            raise UsageError(f"prior_runs: no run {run_id!r} in {store.root}")
        rec["trials"].append(claim_entry(run_id, space.extract(run.get("config") or {}), run.get("created_at"),
                                         here=False))
    store.create(rec)
    for run_id in prior_runs or []:  # a run already in another sweep stays there
        join_sweep(store.catalog, run_id, rec["id"])
    return rec["id"]


class Agent:
    """Runs trials of one sweep until `count`, the sweep's end, or a stop."""

    def __init__(self, store: SweepStore, sweep_id: str, runner: TrialRunner,
                 on_event: Callable[[str, dict], None] | None = None):
        """on_event(kind, info), for front ends: ("start", {run_id, config}) before a trial,
        ("end", {run_id, outcome, reason, error}) after it (error: the traceback text of a
        failed trial); called on the agent's thread, and an
        exception it raises is logged, never fatal."""
        self.on_event = on_event
        self.store = store
        self.sweep_id = sweep_id
        self.runner = runner
        rec = store.get(sweep_id)
        self.config = rec["config"]
        self.space = Space(self.config["parameters"])
        self.strategy = make_strategy(self.config)
        metric = self.config.get("metric") or {}
        self.results = self.strategy.needs_results or metric.get("target") is not None
        self.done = 0

    def choose(self, rec: dict, trials: Sequence[Trial]) -> tuple[str, dict] | str | None:
        """Called under the catalog lock: the next trial's (run_id, config), the reason the
        sweep is over (run_cap, target, grid exhausted), or None when it is not running."""
        if rec.get("state") != SweepState.RUNNING:
            return None
        cap = self.config.get("run_cap")
        if cap is not None and len(trials) >= cap:
            return f"run_cap {cap} reached"
        metric = self.config.get("metric") or {}
        target = metric.get("target")
        if target is not None:
            sign = -1 if metric.get("goal") == "maximize" else 1
            hit = [t for t in trials if t.state == RunState.FINISHED and t.value is not None
                   and sign * t.value <= sign * target]
            if hit:
                return f"metric.target {target} reached by run {hit[0].id}"
        rng = np.random.default_rng([int(rec.get("seed") or 0), len(trials)])
        point = self.strategy.suggest(self.space, trials, rng)
        if point is None:
            return "every grid point was tried"
        return new_id(), point

    def _emit(self, kind: str, info: dict) -> None:
        if self.on_event is not None:
            try:
                self.on_event(kind, info)
            except Exception as exc:  # a front end must never break the sweep
                log.warning("py_tracker: sweep on_event(%r) failed: %s", kind, exc)

    def _wait_while_paused(self) -> str:
        told = False
        while True:
            state = self.store.get(self.sweep_id).get("state")
            if state != SweepState.PAUSED:
                return state
            if not told:
                print(f"py_tracker: sweep {self.sweep_id} is paused; the agent waits for "
                      f"resume() or stop().", file=sys.stderr)
                told = True
            time.sleep(PAUSE_POLL)

    def run(self, count: int | None = None) -> int:
        """Run trials; returns how many were started. KeyboardInterrupt propagates."""
        self.done = 0
        self.store.reap(self.store.get(self.sweep_id))  # marks trials of a dead process crashed
        while count is None or self.done < count:
            rec, run_id, point = self.store.claim(self.sweep_id, self.choose, self.results)
            if run_id is None:
                if rec.get("state") == SweepState.PAUSED and self._wait_while_paused() == SweepState.RUNNING:
                    continue
                break
            self.done += 1
            ctx = TrialContext(self.sweep_id, rec["project"], run_id, point, root=str(self.store.root))
            watcher = TrialWatcher(self.store, self.sweep_id, run_id, self.runner.stop)
            self._emit("start", {"run_id": run_id, "config": point})
            outcome: str = RunState.FAILED.value
            try:
                watcher.start()
                outcome = self.runner.run(ctx)
            finally:
                watcher.close()
                self.store.release(run_id)
                if watcher.reason:
                    save_run(self.store.catalog, run_id, {"stop_reason": watcher.reason})
                self._emit("end", {"run_id": run_id, "outcome": outcome, "reason": watcher.reason,
                                   "error": self.runner.last_error if outcome == RunState.FAILED else None})
        return self.done


def _check_count(count: Any) -> int | None:
    if count is None:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise UsageError(f"agent(count={count!r}): give a positive integer (or None for no limit)")
    return count


def agent(sweep_id: str, function: Callable[[], Any] | None = None, entity: str | None = None,
          project: str | None = None, count: int | None = None, *,
          root: str | os.PathLike[str] | None = None, executor: Any = None, parallel: int = 1) -> int:
    """Run up to `count` trials of a sweep (W&B's signature); returns how many it started
    (W&B returns None; a number is more useful and harmless).

    `executor` (a `dask.distributed.Client`, a cluster, a scheduler address or "processes")
    and/or `parallel=N`: run N trials at once on Dask workers, this process staying the
    only writer of the store (see py_tracker.sweeps.parallel; needs `py_tracker[dask]`).

    Each trial calls `function()` (no arguments) with the trial's config ready for its
    `init()`: sweep values win over `init(config=...)`, `init(project=...)` is ignored. A
    function that raises marks its trial failed (traceback shown) and the agent goes on;
    `count` counts failed trials too. Without a function, the config's `program`/`command`
    runs once per trial in a subprocess. KeyboardInterrupt: the current trial is marked
    failed and the interrupt is re-raised.
    """
    if executor is not None or parallel != 1:
        from .parallel import parallel_agent
        return parallel_agent(sweep_id, function, project=project, count=count, root=root,
                              executor=executor, parallel=parallel)
    count = _check_count(count)
    store = SweepStore(root)
    rec = store.find(sweep_id, project)
    if function is not None:
        runner: TrialRunner = FunctionRunner(function, store.catalog)
    else:
        cfg = rec["config"]
        if not cfg.get("program") and not cfg.get("command"):
            raise UsageError("agent() needs function=... (or a `program:` in the sweep config, "
                             "or use `py-tracker agent SWEEP_ID -- python train.py`)")
        template = cfg.get("command") or ["${env}", "${interpreter}", "${program}", "${args}"]
        runner = CommandRunner(template, store.catalog, program=cfg.get("program"))
    return Agent(store, rec["id"], runner).run(count)


def controller(sweep_id_or_config: Any = None, entity: str | None = None, project: str | None = None,
               *, root: str | os.PathLike[str] | None = None) -> Any:
    """W&B's `controller()`: here a SweepHandle (state, stop/pause/resume) for an existing
    sweep id, or for a new sweep created from a config."""
    from ..api import Api
    from .handle import SweepHandle
    sid = sweep_id_or_config
    if not isinstance(sid, str) or "\n" in sid or sid.endswith((".yaml", ".yml")):
        sid = sweep(sid, entity=entity, project=project, root=root)
    return SweepHandle.load(Api(root=Path(root) if root else None), sid)
