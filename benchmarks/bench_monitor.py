"""Overhead of the system monitor: CPU used by its thread, as % of one core.

    .venv/bin/python benchmarks/bench_monitor.py [--seconds 20] [--interval 1.0]

The thread's own CPU time is read with time.thread_time() inside the thread
(SystemMonitor.cpu_seconds), so other work in the process does not count.
Budget: < 1% of one core at a 1 s interval. Exit status 1 if over budget.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from py_tracker.monitor import SystemMonitor  # noqa: E402

BUDGET_PCT = 1.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--interval", type=float, default=1.0)
    args = ap.parse_args()

    rows: list[dict] = []
    mon = SystemMonitor(rows.append, interval=args.interval)
    t0 = time.monotonic()
    mon.start()
    time.sleep(args.seconds)
    mon.stop()
    wall = time.monotonic() - t0
    pct = mon.cpu_seconds / wall * 100.0
    result = {
        "seconds": round(wall, 2), "interval_s": args.interval, "samples": mon.samples,
        "keys_per_sample": len(rows[-1]) if rows else 0,
        "thread_cpu_s": round(mon.cpu_seconds, 4),
        "ms_per_sample": round(mon.cpu_seconds / max(1, mon.samples) * 1000, 3),
        "pct_of_one_core": round(pct, 3), "budget_pct": BUDGET_PCT,
        "ratio_to_budget": round(pct / BUDGET_PCT, 3),
        "pids_on_machine": len(__import__("psutil").pids()),
    }
    print(json.dumps(result))
    verdict = "OK" if pct < BUDGET_PCT else "OVER BUDGET"
    print(f"monitor thread: {pct:.3f}% of one core at {args.interval} s "
          f"({result['ratio_to_budget']:.2f}x the {BUDGET_PCT}% budget) -> {verdict}")
    return 0 if pct < BUDGET_PCT else 1


if __name__ == "__main__":
    raise SystemExit(main())
