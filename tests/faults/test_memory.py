"""Logging flat out against a slow writer: memory stays bounded by back-pressure, no row is dropped."""
from __future__ import annotations

import time

import py_tracker as wandb
from py_tracker.core import run as run_module
from py_tracker.storage.history import read_columns


def test_pending_rows_stay_bounded_when_the_writer_is_slow(store):
    run = wandb.init(project="mem", id="bounded")
    run.add_row_listener(lambda stream, rows: time.sleep(0.2))   # a slow consumer on the flusher thread
    bound = run_module._MAX_PENDING_CELLS
    n = 600_000                                                  # 3M values with _step/_runtime/_timestamp
    worst = 0
    log = run.log
    for i in range(n):
        log({"loss": 0.5, "acc": i})
        if i % 1000 == 0:
            worst = max(worst, run._pending_cells())
    run.finish()
    assert worst <= bound + 5
    total, cols = read_columns(store / "runs" / "bounded" / "history.jsonl", keys=["acc"])
    assert total == n and (cols["acc"] == range(n)).all()
