"""The panel's `StreamTail` assembles history chunks with the storage reader's one assembly
(`storage.history.assemble_chunks`): the same columns, dtypes included, as the Api reads,
read in pieces as a live run writes; only columns of booleans become 0/1 for the charts."""
from __future__ import annotations

import numpy as np

import py_tracker as pt
from py_tracker.notebook.live.source import StreamTail
from py_tracker.storage.history import read_columns


def test_tail_columns_are_the_readers_columns(new_run):
    run = new_run(name="tail")
    tail = StreamTail(run._layout.history(run.id, "history"))
    pieces = []
    for chunk in range(3):  # three flushes: three chunks, keys coming and going
        for i in range(4):
            row = {"i": chunk * 4 + i, "loss": 0.5 / (i + 1)}
            if chunk == 1:
                row["text"] = f"t{i}"
            if chunk == 2:
                row["ok"] = i % 2 == 0
            run.log(row)
        run.flush()
        pieces.append(tail.read())
    assert sum(n for n, _ in pieces) == 12 and tail.rows == 12
    n, want = read_columns(run._layout.history(run.id, "history"))
    whole = StreamTail(run._layout.history(run.id, "history"))
    got_n, got = whole.read()
    assert got_n == n == 12
    assert set(got) == set(want)
    for k in want:
        if k == "ok":
            continue
        assert got[k].dtype == want[k].dtype, k
        assert [repr(v) for v in got[k].tolist()] == [repr(v) for v in want[k].tolist()], k
    assert got["i"].dtype.kind == "i" and want["i"].tolist() == list(range(12))
    assert want["ok"].dtype == object  # the Api keeps booleans as booleans
    ok = got["ok"]
    assert ok.dtype.kind == "f" and np.isnan(ok[:8]).all() and ok[8:].tolist() == [1.0, 0.0, 1.0, 0.0]
    pt.finish()
