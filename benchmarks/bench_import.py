"""Import speed (issue 15): a 1M-row W&B offline run and a 1M-point TensorBoard run.

    python benchmarks/bench_import.py [--rows N] [--cache DIR]

Inputs are made once with the real libraries (wandb offline in a subprocess; torch's
SummaryWriter) into a cache dir (default ~/.cache/py_tracker/bench_import, or
$PY_TRACKER_BENCH_CACHE) and reused; their generation time is reported separately.
Each import goes into a fresh store with default settings. Target: >= 200k rows/s.

Peers/baselines measured in the same run:
- TensorBoard: tensorboard's own `EventFileLoader` reading the same event file (on
  its first 100k events, scaled; it computes CRC32C in pure Python without TensorFlow).
- W&B: the bare scan of the same `.wandb` log (framing, CRC and `Record` protobuf
  parsing, nothing decoded or written): the floor any reader of that log pays.
Rates are given per wall second (the target) and per CPU second of the import's processes
(what the code costs, the W&B reader's worker processes included; on a shared machine the
wall figure mostly measures the other jobs). Ratios
against the baselines use CPU seconds for the same reason.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WANDB_GEN = textwrap.dedent("""
    import os, sys
    os.environ["WANDB_MODE"] = "offline"; os.environ["WANDB_SILENT"] = "true"
    import wandb
    n, out = int(sys.argv[1]), sys.argv[2]
    run = wandb.init(project="bench", dir=out, config={"rows": n})
    for i in range(n):
        run.log({"loss": 1.0 / (i + 1), "acc": i * 1e-6})
    run.finish()
""")


def make_wandb(cache: Path, n: int) -> tuple[Path, float | None]:
    target = cache / f"wandb-{n}"
    done = target / "done"
    if done.exists():
        return target / "wandb", None
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", WANDB_GEN, str(n), str(target)], check=True,
                   env=dict(os.environ, WANDB_MODE="offline", WANDB_DIR=str(target)))
    took = time.perf_counter() - t
    done.write_text(f"{took:.1f}")
    return target / "wandb", took


def make_tensorboard(cache: Path, n: int) -> tuple[Path, float | None]:
    target = cache / f"tensorboard-{n}"
    done = target / "done"
    if done.exists():
        return target / "logs", None
    shutil.rmtree(target, ignore_errors=True)
    from torch.utils.tensorboard import SummaryWriter
    t = time.perf_counter()
    w = SummaryWriter(str(target / "logs" / "run"), max_queue=10_000, flush_secs=3600)
    for i in range(n):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.close()
    took = time.perf_counter() - t
    done.write_text(f"{took:.1f}")
    return target / "logs", took


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the W&B reader's worker processes)."""
    import resource
    ch = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + ch.ru_utime + ch.ru_stime


def timed_import(kind: str, path: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of this process and its workers, rows) of one import into a fresh store."""
    from py_tracker.importers import run_import
    with tempfile.TemporaryDirectory() as store:
        t, c = time.perf_counter(), _cpu()
        report = run_import(kind, [path], root=store, progress=False)
        took, cpu = time.perf_counter() - t, _cpu() - c
    assert len(report.runs) == 1, report.summary()
    return took, cpu, report.rows


def verdict(rate: float) -> str:
    return "PASS" if rate >= 200_000 else "FAIL"


def tb_peer(path: Path, limit: int = 100_000) -> float:
    """CPU seconds per event of tensorboard's own loader."""
    import warnings

    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
    (f,) = sorted(path.rglob("events.out.tfevents.*"))
    t = time.process_time()
    n = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in EventFileLoader(str(f)).Load():
            n += 1
            if n >= limit:
                break
    return (time.process_time() - t) / n


def wandb_floor(path: Path) -> tuple[float, int]:
    from py_tracker.importers.wandb import LogReader, _pb
    pb = _pb()
    (f,) = sorted(p for p in path.glob("*/*.wandb") if not p.parent.is_symlink())  # not latest-run/
    parse = pb.Record.FromString  # a new message per record: re-parsing one message is ~4x slower in upb
    t = time.process_time()
    n = 0
    for raw in LogReader(f):
        parse(raw)
        n += 1
    return time.process_time() - t, n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--cache", default=os.environ.get("PY_TRACKER_BENCH_CACHE")
                    or str(Path.home() / ".cache" / "py_tracker" / "bench_import"))
    args = ap.parse_args()
    cache = Path(args.cache)
    n = args.rows
    print(f"bench_import: {n:,} rows, inputs cached in {cache}")

    wpath, wgen = make_wandb(cache, n)
    print(f"  W&B input: {'generated in %.0f s' % wgen if wgen else 'from cache'} "
          f"({sum(f.stat().st_size for f in wpath.rglob('*.wandb')) / 1e6:.0f} MB .wandb)")
    from py_tracker.importers.wandb import _ranges
    (log,) = sorted(p for p in wpath.glob("*/*.wandb") if not p.parent.is_symlink())
    workers = len(_ranges(log.stat().st_size))
    took, cpu, rows = timed_import("wandb", wpath)
    floor, records = wandb_floor(wpath)
    print(f"  W&B import ({workers} process(es) on block ranges of the log): {rows:,} rows in {took:.2f} s wall "
          f"= {rows / took:,.0f} rows/s (target 200,000: {verdict(rows / took)}); {cpu:.2f} s CPU (all processes) "
          f"= {rows / cpu:,.0f} rows per CPU-s; bare scan of its {records:,} records in one process: "
          f"{floor:.2f} CPU-s, import/scan = {cpu / floor:.2f}x")

    tpath, tgen = make_tensorboard(cache, n)
    print(f"  TensorBoard input: {'generated in %.0f s' % tgen if tgen else 'from cache'}")
    took, cpu, rows = timed_import("tensorboard", tpath)
    peer = tb_peer(tpath)
    print(f"  TensorBoard import: {rows:,} points in {took:.2f} s wall = {rows / took:,.0f} rows/s "
          f"(target 200,000: {verdict(rows / took)}); {cpu:.2f} s CPU = {rows / cpu:,.0f} rows per CPU-s; "
          f"tensorboard's EventFileLoader: {1 / peer:,.0f} events per CPU-s, import is {peer * rows / cpu:.1f}x faster")
    print(f"  (load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: wall figures on a shared "
          f"machine understate the import; CPU-s figures do not)")


if __name__ == "__main__":
    main()
