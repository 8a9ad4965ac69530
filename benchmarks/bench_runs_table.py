"""Benchmark: opening and using the notebook runs table with many runs.

    .venv/bin/python benchmarks/bench_runs_table.py [--runs 100000]

Builds a project of `--runs` finished runs (and one of 1,000 as the baseline, same process)
straight in the catalog, then times (median of 3) `RunsTable(project)` — one catalog read,
one row per run, only the first page as widgets — and, on the big project, a header sort,
a filter by a shown name (`acc.max > 0.5`) and a page turn. Prints JSON; `open_ratio` is
the big open time over the 1,000-run one (the row count ratio is `--runs` / 1000).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_project(root: str, n: int) -> None:
    """n finished run records written straight into the catalog, as init/finish leave them."""
    from py_tracker.storage.catalog import Catalog
    cat = Catalog(root)
    now = time.time()
    with cat.transaction():
        cat.insert_new("projects", {"name": "big", "created_at": now})
        cat.put_many("runs", [{"id": f"r{i:07d}", "project": "big", "name": f"run-{i}", "group": f"g{i % 4}",
                               "job_type": "train", "tags": [], "state": "finished", "created_at": now + i,
                               "updated_at": now + i, "heartbeat_at": now + i, "runtime": float(i),
                               "config": {"lr": i / n, "layers": i % 5, "opt": "adam" if i % 2 else "sgd"},
                               "summary": {"loss": 1 - i / n, "acc": {"max": i / n}}, "last_step": 99,
                               "metrics": [], "exit_code": 0} for i in range(n)])


def median_s(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100_000)
    a = ap.parse_args()
    from py_tracker.notebook.tables.runs_table import RunsTable
    with tempfile.TemporaryDirectory() as tmp:
        small, big = os.path.join(tmp, "small"), os.path.join(tmp, "big")
        make_project(small, 1000)
        make_project(big, a.runs)
        RunsTable("big", root=small)  # warm imports
        open_small = median_s(lambda: RunsTable("big", root=small))
        open_big = median_s(lambda: RunsTable("big", root=big))
        table = RunsTable("big", root=big)
        sort_s = median_s(lambda: table.sort_by("summary.loss"))
        filters = iter(["acc.max > 0.5", "acc.max > 0.4", "acc.max > 0.5"])
        filter_s = median_s(lambda: setattr(table.filter, "value", next(filters)))
        page_s = median_s(lambda: table.next_button.click())
    print(json.dumps({"runs": a.runs, "open_1000_s": round(open_small, 3), f"open_{a.runs}_s": round(open_big, 3),
                      "open_ratio": round(open_big / open_small, 1), "row_ratio": a.runs / 1000,
                      "sort_s": round(sort_s, 3), "filter_s": round(filter_s, 3), "page_turn_s": round(page_s, 4)},
                     indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
