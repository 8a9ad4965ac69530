"""Core tracker numbers (issue 2), each with its baseline measured in the same run.

    python benchmarks/bench_core.py [--quick]

- log() of two scalars: median per call at N = 10k, 100k, 1M steps, against the
  baseline "append one orjson line to an open file" (as a raw unbuffered write,
  the ~3 µs figure in the issue, and as a buffered write for honesty).
- finish() of a 1M-step run; time until logged data is readable by another reader.
- reading back a 1M-step history into a DataFrame.
- `import py_tracker` (fresh interpreter) and `init()`.
- 4 processes x 100k steps into one store: every row present.
- part C (issue 12): peak memory above baseline while logging 1M / 10M rows flat out
  (fresh process, default settings); log() with 2 keys under default settings (monitor
  and output capture on) and with 100 / 1,000 keys, each against a flushed orjson line
  of the same row; the first init() in a fresh process.
  `--part-c` runs only these.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def per_call_median(fn, n: int) -> float:
    pc = time.perf_counter_ns
    samples = []
    for i in range(n):
        t = pc()
        fn(i)
        samples.append(pc() - t)
    return statistics.median(samples) / 1000.0


def baseline(root: Path, n: int, buffered: bool) -> float:
    f = open(root / f"base-{buffered}.jsonl", "ab", buffering=-1 if buffered else 0)
    dumps = orjson.dumps
    us = per_call_median(lambda i: f.write(dumps({"loss": 0.5, "acc": 0.9}) + b"\n"), n)
    f.close()
    return us


def bench_log(root: Path, n: int) -> tuple[float, float, float]:
    import py_tracker as pt
    run = pt.init(dir=root, project="bench", settings={"monitor_interval": None, "capture_output": False,
                                                        "save_code": False, "display": False})
    log = pt.log
    us = per_call_median(lambda i: log({"loss": 0.5, "acc": 0.9}), n)
    t = time.perf_counter()
    run.finish()
    fin = time.perf_counter() - t
    t = time.perf_counter()
    df = pt.Api(root).run(run.id).history()
    read = time.perf_counter() - t
    assert len(df) == n, (len(df), n)
    return us, fin, read


def bench_durable(root: Path) -> float:
    """Seconds from log() returning until a reader in another process-like view sees the row."""
    import py_tracker as pt
    run = pt.init(dir=root, project="bench", settings={"monitor_interval": None, "capture_output": False})
    api_run = pt.Api(root).run(run.id)
    worst = 0.0
    for k in range(5):
        pt.log({"k": k})
        t = time.perf_counter()
        while len(api_run.history()) < k + 1:
            time.sleep(0.005)
        worst = max(worst, time.perf_counter() - t)
    run.finish()
    return worst


def bench_import() -> float:
    code = "import time; t=time.perf_counter(); import py_tracker; print(time.perf_counter()-t)"
    vals = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=dict(os.environ, PYTHONPATH=str(REPO)), check=True).stdout
        vals.append(float(out))
    return min(vals)


def bench_init(root: Path) -> float:
    import py_tracker as pt
    vals = []
    for _ in range(5):
        t = time.perf_counter()
        run = pt.init(dir=root, project="bench-init")
        vals.append(time.perf_counter() - t)
        run.finish()
    return statistics.median(vals)


def bench_multiprocess(root: Path, n: int) -> tuple[float, bool]:
    code = textwrap.dedent(f"""
        import py_tracker as pt
        run = pt.init(project="mp", settings={{"monitor_interval": None}})
        for i in range({n}):
            pt.log({{"loss": 0.5, "acc": i}})
        pt.finish()
    """)
    env = dict(os.environ, PY_TRACKER_DIR=str(root), PYTHONPATH=str(REPO))
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(4)]
    ok = all(p.wait() == 0 for p in procs)
    secs = time.perf_counter() - t
    import py_tracker as pt
    runs = pt.Api(root).runs("mp")
    ok = ok and len(runs) == 4 and all(list(r.history()["acc"]) == list(range(n)) for r in runs)
    return secs, ok


def _fresh(code: str, root: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO), PY_TRACKER_DIR=str(root))
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, check=True).stdout.strip()


def bench_memory(root: Path, n: int) -> tuple[float, float, float]:
    """(peak RSS above the RSS right after init(), MB; seconds logging; seconds in finish())
    for n rows logged flat out in a fresh process with default settings."""
    out = _fresh(f"""
        import os, resource, sys, time
        import py_tracker as pt
        run = pt.init(project="mem")
        pt.log({{"loss": 0.5, "acc": 0.9}})
        # the baseline is a run fully started: the monitor (psutil, NVML) and the writer (numpy)
        # are imported in the background, so wait for them
        t = time.monotonic()
        while not {{"numpy", "psutil"}} <= set(sys.modules) and time.monotonic() - t < 10:
            time.sleep(0.05)
        time.sleep(0.5)
        base = int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        log = pt.log
        t = time.perf_counter()
        for i in range({n}):
            log({{"loss": 0.5, "acc": i}})
        t1 = time.perf_counter()
        pt.finish()
        t2 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print((peak - base) / 1e6, t1 - t, t2 - t1)
        """, root)
    mb, secs, fin = map(float, out.split())
    return mb, secs, fin


def bench_wide(root: Path, keys: int, n: int, default_settings: bool) -> tuple[float, float]:
    """(log() median us, flushed orjson line of the same row median us) for rows of `keys` floats.

    The two are timed in alternating blocks of 100 calls, so that both see the same load of
    a shared machine (their ratio is the figure; each alone swings with the load)."""
    import py_tracker as pt
    row = {f"metric/{j:04d}": 0.5 + j for j in range(keys)}
    f = open(root.parent / f"wide-base-{keys}.jsonl", "ab", buffering=0)
    dumps = orjson.dumps
    settings = {"display": False} if default_settings else {"monitor_interval": None, "capture_output": False,
                                                            "save_code": False, "display": False}
    run = pt.init(dir=root, project="wide", settings=settings)
    log = pt.log
    pc = time.perf_counter_ns
    ours: list[int] = []
    base: list[int] = []
    for _ in range(max(1, n // 100)):
        for _ in range(100):
            t = pc()
            f.write(dumps(row) + b"\n")
            base.append(pc() - t)
        for _ in range(100):
            t = pc()
            log(row)
            ours.append(pc() - t)
    run.finish()
    f.close()
    return statistics.median(ours) / 1000.0, statistics.median(base) / 1000.0


def bench_first_init(root: Path, tries: int = 5) -> tuple[float, float, float]:
    """The first init() in a fresh process (after `import py_tracker`), default settings:
    (best wall seconds, median wall seconds, median CPU seconds of the calling thread) of
    `tries` processes. The CPU figure is what init() itself costs; the wall figure also
    holds waits for the GIL and the CPU (background threads, other processes)."""
    walls, cpus = [], []
    # Compiled bytecode as an installed package has it (pip writes .pyc files): this checkout
    # may run with PYTHONDONTWRITEBYTECODE=1, which would make every import compile its source.
    env = dict(os.environ, PYTHONPATH=str(REPO))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "py_tracker")], env=env,
                   check=False, stdout=subprocess.DEVNULL)
    for k in range(tries):
        out = _fresh("""
            import time, py_tracker as pt
            t, c = time.perf_counter(), time.thread_time()
            run = pt.init(project="first")
            print(time.perf_counter() - t, time.thread_time() - c)
            pt.finish()
            """, root / f"first{k}")
        wall, cpu = map(float, out.split())
        walls.append(wall)
        cpus.append(cpu)
    return min(walls), statistics.median(walls), statistics.median(cpus)


def part_c(root: Path, quick: bool) -> None:
    for n in ((100_000,) if quick else (1_000_000, 10_000_000)):
        mb, secs, fin = bench_memory(root / f"mem{n}", n)
        print(f"memory, {n:,} rows flat out (default settings): peak {mb:.0f} MB above baseline "
              f"(target <= 100); logging {secs:.1f} s = {secs / n * 1e6:.2f} us/row; finish() {fin:.2f} s")
    for keys, n, default in ((2, 100_000, True), (100, 20_000, False), (1000, 3_000, False)):
        us, base = bench_wide(root / f"wide{keys}", keys, n, default)
        target = 2.0 if keys == 2 else 1.2
        print(f"log() of {keys:>4} keys{' (default settings)' if default else ''}: median {us:.2f} us = "
              f"{us / base:.2f}x a flushed orjson line of the same row ({base:.2f} us) (target <= {target}x)")
    best, med, cpu = bench_first_init(root)
    print(f"first init() in a fresh process: best {best * 1000:.1f} ms, median {med * 1000:.1f} ms wall "
          f"(target <= 20); median {cpu * 1000:.1f} ms CPU of the calling thread")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="smaller N (for a smoke run)")
    ap.add_argument("--part-c", action="store_true", help="only the memory / wide-row / first-init numbers")
    args = ap.parse_args()
    if args.part_c:
        part_c(Path(tempfile.mkdtemp(prefix="ptbench-")), args.quick)
        return
    sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    root = Path(tempfile.mkdtemp(prefix="ptbench-"))
    import numpy  # noqa: F401  (the reader needs it; keep its import out of the timings)
    import pandas  # noqa: F401
    base_raw = baseline(root, 100_000, buffered=False)
    base_buf = baseline(root, 100_000, buffered=True)
    print(f"baseline orjson line append: unbuffered {base_raw:.2f} us/call, buffered {base_buf:.2f} us/call")
    results = {}
    for n in sizes:
        us, fin, read = bench_log(root / f"n{n}", n)
        results[n] = us
        print(f"log() N={n:>9,}: median {us:.2f} us/call = {us / base_raw:.2f}x unbuffered baseline "
              f"(target <= 2x), {us / base_buf:.2f}x buffered; finish() {fin * 1000:.0f} ms; "
              f"history -> DataFrame {read * 1000:.0f} ms")
    big, small = max(sizes), min(sizes)
    print(f"flatness: median at {big:,} / at {small:,} = {results[big] / results[small]:.2f} (target <= 1.2)")
    print(f"durable and readable after log(): worst {bench_durable(root / 'dur') * 1000:.0f} ms (target <= 1000)")
    print(f"import py_tracker: {bench_import() * 1000:.0f} ms (target <= 300)")
    print(f"init(): {bench_init(root / 'init') * 1000:.1f} ms median (target <= 50)")
    n = 20_000 if args.quick else 100_000
    secs, ok = bench_multiprocess(root / "mp", n)
    print(f"4 processes x {n:,} steps into one store: {secs:.1f} s, every row present: {ok}")
    part_c(root / "c", args.quick)


if __name__ == "__main__":
    main()
