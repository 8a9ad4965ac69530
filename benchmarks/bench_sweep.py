"""Sweep benchmarks, one command: `.venv/bin/python benchmarks/bench_sweep.py [--quick]`.

1. Search quality: bayes vs random on Branin (2-d), Hartmann-6 and a noisy quadratic
   (4-d; the true value of the best-looking trial is reported): the median, over 20 seeds,
   of the best value found after 30 trials (lower is better), and the ratio of the two gaps to the known optimum (bayes / random; < 1 means
   bayes is better).
2. Controller overhead per trial: suggest + bookkeeping, excluding training, for grid and
   random (target <= 10 ms) and for bayes at 200 finished trials (target <= 100 ms).
   Measured on the strategies alone, and end to end through `sweep()`/`agent()` with a
   training function that only logs one value (when the core tracker is importable).
3. `--scaling`: that end-to-end overhead (random search) in a sweep that already has 0, 1k
   and 10k trials, beside Optuna on SQLite (RandomSampler, `study.optimize`, the objective's
   own time excluded) with as many trials in its study. Both sweeps are filled fast (ours:
   claims and finished runs written in the catalog's format; Optuna: `add_trials`), then 50
   trials (`--trials N`) are timed one by one: median, p90 and mean (the mean includes the
   agent's start). Target: <= 10 ms flat.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from py_tracker.storage.records import claim_key  # noqa: E402
from py_tracker.sweeps.config import parse_config  # noqa: E402
from py_tracker.sweeps.space import Space  # noqa: E402
from py_tracker.sweeps.strategy import Trial, make_strategy  # noqa: E402


def branin(c: dict) -> float:
    x1, x2 = c["x1"], c["x2"]
    a, b, cc, r, s, t = 1.0, 5.1 / (4 * np.pi**2), 5 / np.pi, 6.0, 10.0, 1 / (8 * np.pi)
    return float(a * (x2 - b * x1**2 + cc * x1 - r) ** 2 + s * (1 - t) * np.cos(x1) + s)


_H_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                 [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                        [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_H_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(c: dict) -> float:
    x = np.array([c[f"x{i}"] for i in range(1, 7)])
    return float(-np.sum(_H_ALPHA * np.exp(-np.sum(_H_A * (x - _H_P) ** 2, axis=1))))


def quadratic(c: dict) -> float:
    x = np.array([c[f"x{i}"] for i in range(1, 5)])
    return float(np.sum((x - 0.3) ** 2))


def make_noisy_quadratic(rng: np.random.Generator):
    """The quadratic plus N(0, 0.01^2) noise on each observation (what the search sees)."""
    def f(c: dict) -> float:
        return quadratic(c) + 0.01 * float(rng.normal())
    return f


PROBLEMS = {
    "branin": ({f"x1": {"min": -5.0, "max": 10.0}, "x2": {"min": 0.0, "max": 15.0}}, 0.397887),
    "hartmann6": ({f"x{i}": {"min": 0.0, "max": 1.0} for i in range(1, 7)}, -3.32237),
    "noisy_quadratic": ({f"x{i}": {"min": -1.0, "max": 1.0} for i in range(1, 5)}, 0.0),
}


def run_search(method: str, name: str, seed: int, n_trials: int = 30) -> float:
    params, _ = PROBLEMS[name]
    cfg = parse_config({"method": method, "metric": {"name": "y", "goal": "minimize"},
                        "parameters": params})
    space, strat = Space(cfg["parameters"]), make_strategy(cfg)
    fn = {"branin": branin, "hartmann6": hartmann6}.get(name) or make_noisy_quadratic(
        np.random.default_rng(10_000 + seed))
    trials: list[Trial] = []
    for i in range(n_trials):
        point = strat.suggest(space, trials, np.random.default_rng([seed, i]))
        trials.append(Trial(id=str(i), config=point, state="finished", value=fn(point)))
    best = min(trials, key=lambda t: t.value)
    # noisy problem: report the true value of the trial that looked best
    return quadratic(best.config) if name == "noisy_quadratic" else best.value


def quality(seeds: int) -> bool:
    print(f"== search quality: median best-found after 30 trials over {seeds} seeds (lower is better)")
    print(f"{'problem':<17}{'optimum':>10}{'random':>12}{'bayes':>12}{'gap ratio b/r':>15}")
    ok = True
    for name, (_, opt) in PROBLEMS.items():
        med = {m: float(np.median([run_search(m, name, s) for s in range(seeds)]))
               for m in ("random", "bayes")}
        ratio = (med["bayes"] - opt) / max(med["random"] - opt, 1e-12)
        ok &= med["bayes"] < med["random"]
        print(f"{name:<17}{opt:>10.4f}{med['random']:>12.4f}{med['bayes']:>12.4f}{ratio:>15.3f}")
    return ok


def _overhead(method: str, n_done: int, reps: int) -> float:
    params = ({"a": {"values": list(range(50))}, "b": {"values": list(range(50))},
               "c": {"value": 1}} if method == "grid" else PROBLEMS["hartmann6"][0])
    cfg = parse_config({"method": method, "metric": {"name": "y"}, "parameters": params})
    space, strat = Space(cfg["parameters"]), make_strategy(cfg)
    rng = np.random.default_rng(0)
    trials = []
    for i in range(n_done):
        point = space.sample(rng) if method != "grid" else strat.suggest(space, trials, rng)
        val = hartmann6(point) if method != "grid" else float(point["a"] + point["b"])
        trials.append(Trial(id=str(i), config=point, state="finished", value=val))
    t0 = time.perf_counter()
    for r in range(reps):
        strat.suggest(space, trials, np.random.default_rng(r))
    return (time.perf_counter() - t0) / reps * 1e3


def overhead() -> None:
    print("== controller overhead per trial, strategy alone (suggest)")
    for method, n_done, reps, target in (("grid", 200, 50, 10), ("random", 200, 200, 10),
                                         ("bayes", 200, 5, 100)):
        ms = _overhead(method, n_done, reps)
        print(f"{method:<7} at {n_done} finished trials: {ms:8.2f} ms   (target <= {target} ms)")


def _gaps(t0: float, starts: list[float], ends: list[float], t1: float) -> list[float]:
    """ms outside the timed function per call: from the end of the previous call (for the
    first: t0) to the start of this one; the tail after the last (to t1) added to the last."""
    gaps = [(start - (ends[i - 1] if i else t0)) * 1e3 for i, start in enumerate(starts)]
    if gaps:
        gaps[-1] += (t1 - ends[-1]) * 1e3
    return gaps


def _trial_overheads(sid: str, n: int, root: str) -> tuple[list[float], list[float], list[str]]:
    """Run n trials through one `agent()` call; return (wall ms of overhead of each trial,
    the same in CPU ms of the agent's thread, run ids).

    A trial's overhead is the time outside train() from the end of the previous trial's
    train() (for the first: the agent() call) to the start of its own; the time after the last
    train() until agent() returns is added to the last trial. Their sum is the agent's time
    less train()'s, so the mean includes the agent's start (reap, first claim). The CPU time
    (`time.thread_time`) counts only work done, not waits for a core: on a loaded machine it
    shows whether the work grows with the sweep when the wall time is noise."""
    import py_tracker as pt
    from py_tracker.sweeps.api import agent
    ids: list[str] = []
    starts: list[float] = []
    ends: list[float] = []
    cstarts: list[float] = []
    cends: list[float] = []

    def train() -> None:
        cstarts.append(time.thread_time())
        starts.append(time.perf_counter())
        run = pt.init(dir=root, settings={"monitor_interval": None})
        c = run.config.as_dict()
        run.log({"y": branin(c) if "x1" in c else float(c["a"])})
        run.finish()
        ids.append(run.id)
        ends.append(time.perf_counter())
        cends.append(time.thread_time())
    c0, t0 = time.thread_time(), time.perf_counter()
    agent(sid, function=train, count=n, root=root)
    t1, c1 = time.perf_counter(), time.thread_time()
    return _gaps(t0, starts, ends, t1), _gaps(c0, cstarts, cends, c1), ids


def _timed_agent(sid: str, n: int, root: str, prior: list[str] | None = None) -> tuple[float, list[str]]:
    """Run n trials; return (controller ms per trial excluding train(), run ids)."""
    gaps, _, ids = _trial_overheads(sid, n, root)
    return sum(gaps) / max(len(gaps), 1), ids


def _stats(ms: list[float]) -> tuple[float, float, float]:
    """(mean, median, p90) of per-trial milliseconds."""
    a = np.asarray(ms, dtype=float)
    return float(a.mean()), float(np.median(a)), float(np.percentile(a, 90))


def end_to_end(n: int = 30, warm: int = 200) -> None:
    """Overhead through sweep()/agent() and the catalog (claim under the lock, trial list
    read back, run bookkeeping), excluding what train() itself does (init/log/finish)."""
    try:
        from py_tracker.sweeps.api import sweep
    except ImportError as exc:
        print(f"== end-to-end overhead skipped (core not importable: {exc})")
        return
    print("== controller overhead per trial, end to end (agent + catalog; train() excluded)")
    metric = {"name": "y"}
    with tempfile.TemporaryDirectory() as root:
        sid = sweep({"method": "grid", "metric": metric, "parameters": {"a": {"values": list(range(n))}}},
                    project="bench", root=root)
        ms, _ = _timed_agent(sid, n, root)
        print(f"grid   : {ms:8.2f} ms per trial (first {n} trials)   (target <= 10 ms)")
        sid = sweep({"method": "random", "metric": metric, "parameters": PROBLEMS["branin"][0]},
                    project="bench", root=root)
        ms, ids = _timed_agent(sid, n, root)
        print(f"random : {ms:8.2f} ms per trial (first {n} trials)   (target <= 10 ms)")
        _, more = _timed_agent(sid, warm - n, root)
        ms, _ = _timed_agent(sid, 10, root)
        print(f"random : {ms:8.2f} ms per trial (at {warm} finished trials)")
        sid = sweep({"method": "bayes", "metric": metric, "parameters": PROBLEMS["branin"][0]},
                    project="bench", root=root, prior_runs=ids + more)
        ms, _ = _timed_agent(sid, 10, root)
        print(f"bayes  : {ms:8.2f} ms per trial (at {warm} finished trials)   (target <= 100 ms)")


def _fill_sweep(root: str, n: int) -> str:
    """A random sweep with `n` finished trials, written as the agent writes them (a claim in
    the trials table, a finished run with sweep_id) but in two batched appends."""
    from py_tracker.storage.catalog import Catalog
    from py_tracker.sweeps.api import sweep
    from py_tracker.sweeps.store import SweepStore
    sid = sweep({"method": "random", "metric": {"name": "y"},
                 "parameters": {"a": {"min": 0.0, "max": 1.0}}}, project="scaling", root=root)
    if not n:
        return sid
    cat = Catalog(root)
    now = time.time()
    claims, runs = [], []
    for i in range(n):
        run_id = f"{sid[:4]}{i:07d}"
        a = (i * 7919 % 10007) / 10007
        claims.append({"id": claim_key(sid, i), "sweep_id": sid, "n": i, "run_id": run_id,
                       "config": {"a": a}, "started_at": now - n + i, "host": "elsewhere", "pid": None})
        runs.append({"id": run_id, "project": "scaling", "name": run_id, "config": {"a": a},
                     "summary": {"y": a}, "state": "finished", "created_at": now - n + i,
                     "updated_at": now - n + i, "heartbeat_at": now - n + i, "runtime": 1.0,
                     "last_step": 0, "sweep_id": sid, "metrics": [], "dir": f"runs/{run_id}",
                     "exit_code": 0, "finished_at": now - n + i})
    cat.put_many("trials", claims)
    cat.put_many("runs", runs)
    cat.patch("sweeps", sid, {"trial_count": n})
    return sid


def _optuna_overheads(n_prior: int, n: int) -> tuple[list[float], list[float]]:
    """Optuna on SQLite: (wall ms, CPU ms) of each trial of study.optimize outside the
    objective (as `_gaps` counts them), with `n_prior` finished trials in the study."""
    import logging

    import optuna
    optuna.logging.set_verbosity(logging.WARNING)
    with tempfile.TemporaryDirectory() as d:
        storage = f"sqlite:///{d}/optuna.db"
        study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(seed=0))
        if n_prior:
            dist = optuna.distributions.FloatDistribution(0.0, 1.0)
            study.add_trials([optuna.trial.create_trial(params={"a": (i * 7919 % 10007) / 10007},
                                                        distributions={"a": dist}, value=float(i % 97))
                              for i in range(n_prior)])
        starts: list[float] = []
        ends: list[float] = []
        cstarts: list[float] = []
        cends: list[float] = []

        def objective(trial) -> float:  # type: ignore[no-untyped-def]
            cstarts.append(time.thread_time())
            starts.append(time.perf_counter())
            y = float(trial.suggest_float("a", 0.0, 1.0))
            ends.append(time.perf_counter())
            cends.append(time.thread_time())
            return y
        study.optimize(objective, n_trials=2)  # warm up
        for times in (starts, ends, cstarts, cends):
            times.clear()
        c0, t0 = time.thread_time(), time.perf_counter()
        study.optimize(objective, n_trials=n)
        t1, c1 = time.perf_counter(), time.thread_time()
        return _gaps(t0, starts, ends, t1), _gaps(c0, cstarts, cends, c1)


def _claim_ms(root: str, sid: str, n: int) -> float:
    """Median ms of one claim (the locked read-modify-write that picks the next point)."""
    import statistics

    from py_tracker.sweeps.api import Agent
    from py_tracker.sweeps.runners import FunctionRunner
    from py_tracker.sweeps.store import SweepStore
    store = SweepStore(root)
    agent = Agent(store, sid, FunctionRunner(lambda: None, store.catalog))
    times = []
    for _ in range(n):
        t = time.perf_counter()
        _, run_id, _ = store.claim(sid, agent.choose, agent.results)
        times.append(time.perf_counter() - t)
        store.release(run_id)
    return statistics.median(times) * 1e3


def scaling(sizes: tuple[int, ...] = (0, 1_000, 10_000), n: int = 50) -> None:
    """A trial's overhead (controller + the trial's run bookkeeping) as the sweep grows: n
    trials timed one by one (median and p90; the mean includes the agent's start)."""
    import os
    print(f"== overhead per trial as the sweep grows (random search; train() excluded; {n} trials "
          f"timed one by one), beside Optuna/SQLite in the same run")
    print("   wall ms median / p90 / mean, and CPU ms median (the agent's thread: work without the "
          f"waits for a core); load average {os.getloadavg()[0]:.1f}")
    for size in sizes:
        with tempfile.TemporaryDirectory() as root:
            sid = _fill_sweep(root, size)
            _timed_agent(sid, 2, root)
            gaps, cpu, _ = _trial_overheads(sid, n, root)
            claim_ms = _claim_ms(root, sid, n)
        mean, med, p90 = _stats(gaps)
        try:
            pgaps, pcpu = _optuna_overheads(size, n)
            pm, pmed, pp90 = _stats(pgaps)
            peer = f"{pmed:6.2f} / {pp90:6.2f} / {pm:6.2f}  cpu {float(np.median(pcpu)):5.2f}"
        except ImportError:
            peer = "(optuna not installed)"
        print(f"  {size:>6,} trials before: py_tracker {med:6.2f} / {p90:6.2f} / {mean:6.2f}  cpu "
              f"{float(np.median(cpu)):5.2f}  (claim alone: median {claim_ms:.2f})   optuna/sqlite {peer}")
    print(f"   load average at the end {os.getloadavg()[0]:.1f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--no-e2e", action="store_true")
    ap.add_argument("--scaling", action="store_true", help="only part 3: overhead at 0 / 1k / 10k trials")
    ap.add_argument("--trials", type=int, default=50, help="--scaling: trials timed at each size (default 50)")
    args = ap.parse_args()
    if args.scaling:
        scaling(n=args.trials)
        return 0
    t0 = time.time()
    ok = quality(args.seeds)
    overhead()
    if not args.no_e2e:
        end_to_end()
    print(f"bayes better than random on every problem: {ok}   (total {time.time() - t0:.0f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
