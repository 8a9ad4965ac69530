"""The store at 1k / 10k / 100k runs: py_tracker's catalog beside MLflow's SQLite store.

    python benchmarks/bench_store.py                 # 1k and 10k runs (a few minutes)
    python benchmarks/bench_store.py --max-runs 100000
    python benchmarks/bench_store.py --max-runs 100000 --only-loggers   # just the 8 logging writers

Each size gets a fresh store, built fast by writing the catalog's on-disk format directly
(`catalog.json` and its runs index `catalog.index`, as a compaction writes them) so that
100k runs take seconds, not hours; then
the real public calls are timed (medians):

- init()+finish() of a run with 20 config keys (default settings, monitor off), and the
  time of it spent in catalog writes;
- one run by id (`Api().run`), in a process that has read the store before;
- `Api().runs(project)` listing every run, and a config filter over them;
- the server's runs list (`StoreReader.runs`, one page of 50 sorted by a summary key): the
  first (it builds the kept listing), the next ones, and one right after a summary save;
- `py-tracker runs PROJECT` in a fresh process (the first page);
- a sweep trial's overhead in that store (bench_sweep's agent loop, train() excluded);
- 4 processes creating runs at once against 1 alone (runs/s, start-up excluded), and the
  longest and p99 lock waits;
- a summary save of a running run: time and bytes written per byte of its record;
- in the largest store: 8 processes each logging 1k rows/s for 10 s with default settings
  (summaries saved every 2 s): every wait for the catalog lock (median, p99, longest) and
  journal bytes written per byte of the records saved.

MLflow (SQLite, the tracking store its docs recommend for local use) is measured in the
same run: create_run + 20 params + set_terminated, get_run, search_runs of the experiment
and a filtered search_runs. Its big stores are built by a few hundred real runs copied in
SQL, for the same reason.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

PROJECT = "bench"
CONFIG_KEYS = 20


def _config(i: int) -> dict:
    cfg = {f"param_{k}": (i * 7 + k) % 97 / 97 for k in range(CONFIG_KEYS - 2)}
    cfg["lr"] = (i % 1000) / 1000
    cfg["optimizer"] = ("adam", "sgd", "adamw")[i % 3]
    return cfg


def _record(i: int, now: float) -> dict:
    run_id = f"b{i:07d}"
    return {"id": run_id, "project": PROJECT, "name": f"run-{i}", "group": f"g{i % 10}", "job_type": "train",
            "tags": ["bench"], "notes": None, "config": _config(i),
            "summary": {"loss": 1.0 / (1 + i % 500), "acc": (i % 100) / 100, "_step": 9},
            "state": "finished", "created_at": now - 1e6 + i, "updated_at": now - 1e6 + i + 5,
            "heartbeat_at": now - 1e6 + i + 5, "runtime": 5.0, "last_step": 9, "sweep_id": None,
            "metrics": [], "dir": f"runs/{run_id}", "host": "elsewhere", "pid": None, "pid_start": None,
            "exit_code": 0, "finished_at": now - 1e6 + i + 5}


def build_store(root: Path, n: int) -> None:
    """A store of `n` finished runs in the catalog's snapshot format with its runs index
    (what today's code writes when it compacts; the snapshot alone for code without one)."""
    root.mkdir(parents=True, exist_ok=True)
    now = time.time()
    runs = {str(i + 1): _record(i, now) for i in range(n)}
    tables = {"projects": {"1": {"name": PROJECT, "created_at": now - 1e6}}, "runs": runs,
              "sweeps": {}, "artifacts": {}}
    try:
        from py_tracker.storage.index import encode_snapshot, index_for_file, index_path
    except ImportError:  # measuring an earlier version: its snapshot format
        (root / "catalog.json").write_bytes(orjson.dumps(tables))
        return
    data, index = encode_snapshot(tables, 0, 0)
    (root / "catalog.json").write_bytes(data)
    index_path(root).write_bytes(index_for_file(index, (root / "catalog.json").stat()))


CPU: dict[str, float] = {}  # label -> median CPU ms of the last _median_ms call with that label


def _cpu_s() -> float:
    """CPU seconds of this process and of its finished children (a fresh CLI process)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _median_ms(fn, repeat: int, label: str | None = None) -> float:
    """Median wall ms of `fn`; with `label`, its median CPU ms goes to CPU[label] (on a
    shared, loaded machine the CPU time is what compares across runs)."""
    times, cpus = [], []
    for _ in range(repeat):
        c = _cpu_s()
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        cpus.append(_cpu_s() - c)
    if label is not None:
        CPU[label] = statistics.median(cpus) * 1000
    return statistics.median(times) * 1000


def _creator(root: str, count: int, tag: str) -> None:
    """Create `count` runs (init + finish) in `root`: run in a child process. It imports and
    warms up first, says "ready", and starts when the parent writes a line (all at once)."""
    os.environ["PY_TRACKER_MONITOR_INTERVAL"] = "0"
    os.environ["PY_TRACKER_DISPLAY"] = "0"
    import py_tracker
    from py_tracker.storage.catalog import Catalog
    waits: list[float] = []
    acquire = getattr(Catalog, "_acquire", None)
    if acquire is not None:  # time every wait for the catalog lock
        def timed(self):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            acquire(self)
            waits.append(time.perf_counter() - t)
        Catalog._acquire = timed
    py_tracker.init(project=PROJECT, dir=root, config=_config(0), name=f"{tag}-warm").finish()
    waits.clear()
    print("ready", flush=True)
    sys.stdin.readline()
    t0 = time.time()
    for i in range(count):
        r = py_tracker.init(project=PROJECT, dir=root, config=_config(i), name=f"{tag}-{i}")
        r.finish()
    t1 = time.time()
    waits.sort()
    p99 = waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else 0.0
    print(f"span {t0!r} {t1!r}")
    print(f"lock_waits_ms {max(waits, default=0.0) * 1000:.1f} {p99 * 1000:.1f}")


def _parallel_rate(root: Path, procs: int, count: int) -> tuple[float, float, float]:
    """Runs created per second by `procs` processes at once (from the first start to the last
    end, interpreter start-up excluded), and the longest and p99 wait for the catalog lock."""
    code = ("import sys; sys.path.insert(0, %r); from bench_store import _creator; "
            "_creator(sys.argv[1], int(sys.argv[2]), sys.argv[3])" % str(Path(__file__).parent))
    ps = [subprocess.Popen([sys.executable, "-c", code, str(root), str(count), f"p{k}"], stdout=subprocess.PIPE,
                           stdin=subprocess.PIPE, text=True) for k in range(procs)]
    for p in ps:
        if p.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            raise SystemExit("a creator process failed to start")
    for p in ps:
        p.stdin.write("go\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]
    outs = [p.communicate()[0] for p in ps]
    if any(p.returncode for p in ps):
        raise SystemExit("a creator process failed")
    spans = [tuple(map(float, line.split()[1:])) for out in outs for line in out.splitlines()
             if line.startswith("span")]
    waits = [tuple(map(float, line.split()[1:])) for out in outs for line in out.splitlines()
             if line.startswith("lock_waits")]
    took = max(e for _, e in spans) - min(s for s, _ in spans)
    return (procs * count / took, max((w[0] for w in waits), default=float("nan")),
            max((w[1] for w in waits), default=float("nan")))


def _logger(root: str, seconds: float, rate: int, tag: str) -> None:
    """One run logging `rate` rows/s for `seconds` (default settings: summaries saved every
    catalog_interval, 2 s): run in a child process, started with the others like `_creator`.
    Prints every wait for the catalog lock and the summary saves' sizes."""
    os.environ["PY_TRACKER_MONITOR_INTERVAL"] = "0"
    os.environ["PY_TRACKER_DISPLAY"] = "0"
    import py_tracker
    from py_tracker.storage.catalog import Catalog
    waits: list[float] = []
    holds: list[float] = []
    saves: list[int] = []
    acquire, patch = Catalog._acquire, Catalog.patch
    since: dict[int, float] = {}

    def timed(self):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        acquire(self)
        now = time.perf_counter()
        waits.append(now - t)
        if self._flock._depth == 1:  # the outermost acquisition: time how long it is held
            since[id(self)] = now
            release = self._flock.release

            def timed_release():  # type: ignore[no-untyped-def]
                if self._flock._depth == 1:
                    holds.append(time.perf_counter() - since.pop(id(self)))
                    self._flock.release = release
                release()
            self._flock.release = timed_release

    def counted(self, table, key, fields, durable=True):  # type: ignore[no-untyped-def]
        out = patch(self, table, key, fields, durable)
        if table == "runs" and out is not None:
            saves.append(len(orjson.dumps(out)))
        return out
    Catalog._acquire, Catalog.patch = timed, counted
    Catalog(root).get("runs", "nothing")  # read the store (the snapshot) before the clock starts
    print("ready", flush=True)
    sys.stdin.readline()
    run = py_tracker.init(project=PROJECT, dir=root, config=_config(1), name=tag)
    t0 = time.perf_counter()
    n = 0
    while True:
        elapsed = time.perf_counter() - t0
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) + 1
        while n < due:
            run.log({"loss": 1.0 / (n + 1), "acc": n % 100 / 100})
            n += 1
        time.sleep(0.001)
    run.finish()
    print("waits_ms " + " ".join(f"{w * 1000:.3f}" for w in waits))
    print("saves " + " ".join(map(str, saves)))
    print("holds_ms " + " ".join(f"{w * 1000:.3f}" for w in holds))
    print(f"rows {n}")


def logging_writers(root: Path, procs: int, seconds: float, rate: int) -> dict:
    """`procs` processes each logging `rate` rows/s into the store at `root` at once: the
    longest and p99 wait for the catalog lock, and journal bytes per summary save against the
    size of the record saved."""
    code = ("import sys; sys.path.insert(0, %r); from bench_store import _logger; "
            "_logger(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4])" % str(Path(__file__).parent))
    journal = lambda: sum(p.stat().st_size for p in root.glob("catalog.journal.*"))
    ps = [subprocess.Popen([sys.executable, "-c", code, str(root), str(seconds), str(rate), f"log{k}"],
                           stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True) for k in range(procs)]
    for p in ps:
        if p.stdout.readline().strip() != "ready":  # type: ignore[union-attr]
            raise SystemExit("a logging process failed to start")
    before = journal()
    for p in ps:
        p.stdin.write("go\n")  # type: ignore[union-attr]
        p.stdin.flush()  # type: ignore[union-attr]
    outs = [p.communicate()[0] for p in ps]
    if any(p.returncode for p in ps):
        raise SystemExit("a logging process failed")
    written = journal() - before
    waits, saves, holds, rows = [], [], [], 0
    for out in outs:
        for line in out.splitlines():
            head, _, rest = line.partition(" ")
            if head == "waits_ms":
                waits += [float(x) for x in rest.split()]
            elif head == "saves":
                saves += [int(x) for x in rest.split()]
            elif head == "holds_ms":
                holds += [float(x) for x in rest.split()]
            elif head == "rows":
                rows += int(rest)
    waits.sort()
    return {"procs": procs, "rows": rows, "lock_acquisitions": len(waits),
            "max_lock_wait_ms": waits[-1] if waits else float("nan"),
            "p99_lock_wait_ms": waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else float("nan"),
            "median_lock_wait_ms": statistics.median(waits) if waits else float("nan"),
            "max_lock_hold_ms": max(holds, default=float("nan")),
            "median_lock_hold_ms": statistics.median(holds) if holds else float("nan"),
            "summary_saves": len(saves),
            "journal_bytes_per_record_byte": written / sum(saves) if saves else float("nan")}


def bench_py_tracker(root: Path, n: int, repeat: int, procs: bool) -> dict:
    os.environ["PY_TRACKER_MONITOR_INTERVAL"] = "0"
    os.environ["PY_TRACKER_DISPLAY"] = "0"
    import py_tracker
    from py_tracker import Api
    from py_tracker.server.store import StoreReader
    from py_tracker.storage.catalog import Catalog

    build_store(root, n)
    out: dict = {"catalog_mb": round(sum(p.stat().st_size for p in root.glob("catalog*") if p.is_file())
                                     / 1e6, 1)}

    def one_run() -> None:
        r = py_tracker.init(project=PROJECT, dir=str(root), config=_config(n))
        r.finish()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    one_run()  # the first one in this process reads the store
    out["first_init_finish_ms"] = (time.perf_counter() - t) * 1000
    out["rss_growth_mb"] = round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024)
    out["init_finish_ms"] = _median_ms(one_run, repeat)
    write = getattr(Catalog, "_write", None)
    if write is not None:  # the catalog's share of init+finish: time inside its writes
        spent = [0.0]

        def timed(self, *a, **k):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            try:
                return write(self, *a, **k)
            finally:
                spent[0] += time.perf_counter() - t
        Catalog._write = timed
        for _ in range(repeat):
            one_run()
        Catalog._write = write
        out["catalog_share_ms"] = spent[0] / repeat * 1000
    if hasattr(Catalog, "scan"):  # the journal catalog: a summary save's cost
        cat = Catalog(root)
        rec = cat.get("runs", f"b{n // 2:07d}")
        segs = lambda: sum(p.stat().st_size for p in root.glob("catalog.journal.*"))
        before = segs()
        t = time.perf_counter()
        for k in range(repeat):
            cat.patch("runs", rec["id"], {"summary": dict(rec["summary"], loss=k / repeat)}, durable=False)
        out["summary_save_ms"] = (time.perf_counter() - t) / repeat * 1000
        out["summary_save_bytes_per_record_byte"] = (segs() - before) / repeat / len(orjson.dumps(rec))
    api = Api(root)
    ids = [f"b{(i * 7919) % n:07d}" for i in range(repeat)]
    it = iter(ids * 2)
    api.run(next(it))
    out["run_by_id_ms"] = _median_ms(lambda: Api(root).run(next(it)), repeat)
    few = max(3, repeat // 5)
    out["list_ms"] = _median_ms(lambda: len(Api(root).runs(PROJECT)), few, "list_ms")
    out["filter_ms"] = _median_ms(lambda: len(Api(root).runs(PROJECT, filters={
        "config.optimizer": "adam", "summary.loss": {"$lt": 0.5}})), few, "filter_ms")
    reader = StoreReader(root)
    page = lambda: reader.runs(project=PROJECT, sort="summary.loss", order="asc", offset=0, limit=50)  # noqa: E731
    out["server_first_page_ms"] = _median_ms(page, 1, "server_first_page_ms")  # builds the kept listing
    out["server_page_ms"] = _median_ms(page, few, "server_page_ms")
    if hasattr(Catalog, "scan"):  # a page right after a running run's summary save (the sidebar's case)
        cat = Catalog(root)
        rec = cat.get("runs", f"b{n // 3:07d}")
        took, cpus = [], []
        for k in range(few):
            cat.patch("runs", rec["id"], {"summary": dict(rec["summary"], loss=k / few)}, durable=False)
            c, t = _cpu_s(), time.perf_counter()
            page()
            took.append(time.perf_counter() - t)
            cpus.append(_cpu_s() - c)
        out["server_page_after_save_ms"] = statistics.median(took) * 1000
        CPU["server_page_after_save_ms"] = statistics.median(cpus) * 1000
    cli = [sys.executable, "-m", "py_tracker.cli", "--dir", str(root), "runs", PROJECT]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))

    def run_cli() -> None:
        subprocess.run(cli, check=True, stdout=subprocess.DEVNULL, env=env)
    out["cli_runs_ms"] = _median_ms(run_cli, 3, "cli_runs_ms")
    peak = [sys.executable, "-c", "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
            "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"] + cli
    out["cli_peak_rss_mb"] = round(int(subprocess.run(peak, check=True, env=env, capture_output=True,
                                                      text=True).stdout) / 1024)
    out["cpu_ms"] = dict(CPU)
    try:  # a sweep trial's overhead (agent + catalog bookkeeping, train() excluded) in this store
        from bench_sweep import _timed_agent

        from py_tracker.sweeps.api import sweep
        sid = sweep({"method": "random", "metric": {"name": "y"},
                     "parameters": {"a": {"min": 0.0, "max": 1.0}}}, project="sweeps", root=str(root))
        _timed_agent(sid, 2, str(root))
        out["sweep_trial_ms"], _ = _timed_agent(sid, 10, str(root))
    except ImportError:
        pass
    if procs:
        out["create_1proc_per_s"], _, _ = _parallel_rate(root, 1, 40)
        out["create_4proc_per_s"], out["max_lock_wait_ms"], out["p99_lock_wait_ms"] = _parallel_rate(root, 4, 40)
    out["catalog_mb_after"] = round(sum(p.stat().st_size for p in root.glob("catalog*") if p.is_file()) / 1e6, 1)
    return out


def _mlflow_seed(db: Path, art: Path, seed: int) -> tuple[object, str]:
    import logging
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    from mlflow.tracking import MlflowClient
    client = MlflowClient(tracking_uri=f"sqlite:///{db}")
    exp = client.create_experiment(PROJECT, artifact_location=art.as_uri())
    for i in range(seed):
        run = client.create_run(exp)
        client.log_batch(run.info.run_id, params=_mlflow_params(i), metrics=[])
        client.log_metric(run.info.run_id, "loss", 1.0 / (1 + i % 500))
        client.set_terminated(run.info.run_id)
    return client, exp


def _mlflow_params(i: int) -> list:
    from mlflow.entities import Param
    return [Param(k, str(v)) for k, v in _config(i).items()]


def _mlflow_grow(db: Path, n: int) -> None:
    """Copy the seeded runs (and their params, metrics, tags) in SQL until there are `n`."""
    con = sqlite3.connect(db)
    have = con.execute("select count(*) from runs").fetchone()[0]
    k = 0
    while have < n:
        k += 1
        take = min(have, n - have)
        suffix = f"x{k}"
        con.execute("create temp table pick as select run_uuid from runs limit ?", (take,))
        cols = [r[1] for r in con.execute("pragma table_info(runs)")]
        sel = ", ".join(f"run_uuid || '{suffix}'" if c == "run_uuid" else c for c in cols)
        con.execute(f"insert into runs ({', '.join(cols)}) select {sel} from runs where run_uuid in pick")
        for table in ("params", "metrics", "latest_metrics", "tags"):
            tcols = [r[1] for r in con.execute(f"pragma table_info({table})")]
            tsel = ", ".join(f"run_uuid || '{suffix}'" if c == "run_uuid" else c for c in tcols)
            con.execute(f"insert into {table} ({', '.join(tcols)}) select {tsel} from {table} "
                        f"where run_uuid in pick")
        con.execute("drop table pick")
        con.commit()
        have += take
    con.close()


def bench_mlflow(tmp: Path, n: int, repeat: int, seed: int, list_max: int, page_max: int) -> dict:
    db, art = tmp / "mlflow.db", tmp / "mlruns"
    client, exp = _mlflow_seed(db, art, min(seed, n))
    _mlflow_grow(db, n)
    out: dict = {"db_mb": round(db.stat().st_size / 1e6, 1)}
    i = [0]

    def one_run() -> None:
        i[0] += 1
        run = client.create_run(exp)
        client.log_batch(run.info.run_id, params=_mlflow_params(i[0]), metrics=[])
        client.set_terminated(run.info.run_id)
    one_run()
    out["init_finish_ms"] = _median_ms(one_run, repeat)
    ids = [r.info.run_id for r in client.search_runs([exp], max_results=repeat)]
    it = iter(ids * 2)
    out["run_by_id_ms"] = _median_ms(lambda: client.get_run(next(it)), len(ids))
    few = max(3, repeat // 5)

    def list_all(filter_string: str = "") -> int:
        total, token = 0, None
        while True:
            page = client.search_runs([exp], filter_string=filter_string, max_results=50000, page_token=token)
            total += len(page)
            token = page.token
            if not token:
                return total
    if n <= list_max:  # MLflow lists ~5 ms a run here: 100k would take minutes a sample
        out["list_ms"] = _median_ms(list_all, 1 if n > 1000 else few)
        out["filter_ms"] = _median_ms(lambda: list_all("params.optimizer = 'adam' and metrics.loss < 0.5"),
                                      1 if n > 1000 else few)
    if n <= page_max:  # MLflow's sorted page at 100k did not finish its samples in 30 min here
        out["server_page_ms"] = _median_ms(lambda: client.search_runs([exp], max_results=50,
                                                                      order_by=["metrics.loss ASC"]), few)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-runs", type=int, default=10_000, help="largest store size (default 10000)")
    ap.add_argument("--repeat", type=int, default=25, help="samples per median (default 25)")
    ap.add_argument("--mlflow-seed", type=int, default=200, help="real MLflow runs before SQL copies")
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument("--mlflow-list-max", type=int, default=10_000,
                    help="largest store MLflow's full listing is timed at (default 10000)")
    ap.add_argument("--mlflow-page-max", type=int, default=10_000,
                    help="largest store MLflow's sorted page of 50 is timed at (default 10000)")
    ap.add_argument("--no-procs", action="store_true", help="skip the 4-process test")
    ap.add_argument("--loggers", type=int, default=8, help="processes logging at once in the largest store "
                    "(default 8; 0 skips)")
    ap.add_argument("--logger-seconds", type=float, default=10.0, help="how long they log (default 10)")
    ap.add_argument("--logger-rate", type=int, default=1000, help="rows/s each logs (default 1000)")
    ap.add_argument("--only-loggers", action="store_true", help="run only the logging-writers part")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args()
    sizes = [s for s in (1_000, 10_000, 100_000) if s <= args.max_runs] or [args.max_runs]
    results: dict = {}
    keys = ("init_finish_ms", "catalog_share_ms", "run_by_id_ms", "list_ms", "filter_ms", "server_first_page_ms",
            "server_page_ms", "server_page_after_save_ms", "cli_runs_ms", "sweep_trial_ms")
    for n in ([] if args.only_loggers else sizes):
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-store-{n}-"))
        try:
            pt = bench_py_tracker(tmp / "store", n, args.repeat, procs=not args.no_procs and n == sizes[0])
            ml = {} if args.no_mlflow else bench_mlflow(tmp, n, args.repeat, args.mlflow_seed,
                                                         args.mlflow_list_max, args.mlflow_page_max)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results[n] = {"py_tracker": pt, "mlflow": ml}
        print(f"\n{n:,} runs  (catalog {pt['catalog_mb']} MB; mlflow db {ml.get('db_mb', '-')} MB)")
        print(f"  {'':25} {'py_tracker':>11} {'mlflow':>9} {'ratio':>7}")
        for k in keys:
            a, b = pt.get(k), ml.get(k)
            if a is None:
                continue
            ratio = f"{a / b:6.2f}x" if a is not None and b else ""
            mb = f"{b:7.1f}ms" if b is not None else "      -  "
            cpu = pt.get("cpu_ms", {}).get(k)
            print(f"  {k:25} {a:9.1f}ms {mb} {ratio}" + (f"   (CPU {cpu:.1f} ms)" if cpu is not None else ""))
        if "cli_peak_rss_mb" in pt:
            print(f"  py-tracker runs PROJECT: peak memory of that process {pt['cli_peak_rss_mb']} MB")
        print(f"  first init+finish in this process (reads the store): {pt['first_init_finish_ms']:.0f} ms; "
              f"peak memory grew {pt['rss_growth_mb']} MB")
        if "summary_save_ms" in pt:
            print(f"  summary save of a running run: {pt['summary_save_ms']:.2f} ms, "
                  f"{pt['summary_save_bytes_per_record_byte']:.2f} bytes written per byte of its record")
        if "create_4proc_per_s" in pt:
            print(f"  runs created/s: 1 process {pt['create_1proc_per_s']:.1f}, 4 processes "
                  f"{pt['create_4proc_per_s']:.1f} ({pt['create_4proc_per_s'] / pt['create_1proc_per_s']:.2f}x); "
                  f"wait for the catalog lock: longest {pt['max_lock_wait_ms']:.1f} ms, "
                  f"p99 {pt['p99_lock_wait_ms']:.1f} ms")
    if args.loggers:
        n = sizes[-1]
        tmp = Path(tempfile.mkdtemp(prefix=f"bench-store-log-{n}-"))
        try:
            build_store(tmp / "store", n)
            lw = logging_writers(tmp / "store", args.loggers, args.logger_seconds, args.logger_rate)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results["loggers"] = lw
        print(f"\n{lw['procs']} processes each logging {args.logger_rate} rows/s for {args.logger_seconds:.0f} s "
              f"in a store of {n:,} runs ({lw['rows']:,} rows): {lw['lock_acquisitions']} lock acquisitions, "
              f"wait median {lw['median_lock_wait_ms']:.2f} ms, p99 {lw['p99_lock_wait_ms']:.1f} ms, "
              f"longest {lw['max_lock_wait_ms']:.1f} ms (the lock held: median {lw['median_lock_hold_ms']:.2f} ms, "
              f"longest {lw['max_lock_hold_ms']:.1f} ms); {lw['summary_saves']} summary saves, "
              f"{lw['journal_bytes_per_record_byte']:.2f} journal bytes per byte of the record saved")
    if len(sizes) > 1 and not args.only_loggers:
        lo, hi = results[sizes[0]]["py_tracker"], results[sizes[-1]]["py_tracker"]
        print(f"\ngrowth {sizes[0]:,} -> {sizes[-1]:,} runs (py_tracker): "
              + ", ".join(f"{k} {hi[k] / lo[k]:.2f}x" for k in keys if k in hi and k in lo))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
