"""Console capture under a flood of output (issue 3: "100 MB of logs must not slow log() or fill memory").

    python benchmarks/bench_output.py [--mb 100]

One process, stdout pointed at /dev/null (so a terminal is not what we measure).
Baseline and measurement in the same run:
the same loop — print a line, then log() — until `--mb` MB went out, once with output
capture off (baseline) and once with it on (into output.log):
- log() median per call, print() median per call;
- resident memory growth over each loop (history rows are in both), and output.log's size.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LINE = "epoch 3 step 12345 loss 0.123456 acc 0.987654 " + "x" * 50  # ~100 bytes with the newline


def measure(capture: bool, mb: float) -> dict:
    """One loop in this process: print a line, then log(), until `mb` MB went out."""
    import py_tracker as pt
    quiet = {"monitor_interval": None, "save_code": False, "display": False, "capture_output": capture}
    devnull = open(os.devnull, "w")
    real_stdout, sys.stdout = sys.stdout, devnull
    pc = time.perf_counter_ns
    n = int(mb * 1e6 / (len(LINE) + 1))
    proc = psutil.Process()
    try:
        with tempfile.TemporaryDirectory() as root:
            run = pt.init(dir=root, project="out", settings=quiet)
            rss0 = proc.memory_info().rss
            logs, prints = [], []
            for i in range(n):
                t = pc()
                print(LINE)
                t1 = pc()
                run.log({"loss": 0.5, "i": i})
                logs.append(pc() - t1)
                prints.append(t1 - t)
            grown = proc.memory_info().rss - rss0
            run.finish()
            out = run.dir / "output.log"
            size = out.stat().st_size if out.exists() else 0
    finally:
        sys.stdout = real_stdout
    return {"lines": n, "log_us": statistics.median(logs) / 1e3, "print_us": statistics.median(prints) / 1e3,
            "rss_growth_mb": grown / 1e6, "output_mb": size / 1e6}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=100.0)
    ap.add_argument("--mode", choices=("off", "on"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.mode:
        print(json.dumps(measure(a.mode == "on", a.mb)))
        return
    res = {}
    for mode in ("off", "on"):  # a fresh process each, so memory growth is comparable
        out = subprocess.run([sys.executable, __file__, "--mode", mode, "--mb", str(a.mb)],
                             capture_output=True, text=True, check=True).stdout
        res[mode] = json.loads(out.strip().splitlines()[-1])
    off, on = res["off"], res["on"]
    print(f"{on['lines']:,} lines = {on['output_mb']:.1f} MB captured into output.log")
    print(f"log() median in the printing loop: {off['log_us']:.2f} us uncaptured, {on['log_us']:.2f} us "
          f"captured = {on['log_us'] / off['log_us']:.2f}x")
    print(f"print() median: {off['print_us']:.2f} us uncaptured, {on['print_us']:.2f} us captured "
          f"(+{on['print_us'] - off['print_us']:.2f} us per line)")
    print(f"memory growth over the loop: {off['rss_growth_mb']:.0f} MB uncaptured, {on['rss_growth_mb']:.0f} MB "
          f"captured (the output itself: {on['output_mb']:.0f} MB; both include the logged rows)")


if __name__ == "__main__":
    main()
