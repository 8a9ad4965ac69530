"""Contract: every `RunSink` stores the same run from the same calls.

One script of sink calls (`SCRIPT`: open, rows of both streams with NaN, a big int, text
and a nested list, record patches, a whole file, an append-only file in pieces with one
piece sent twice, a note, finish) runs through each implementation:
- `local`: the store's own `StoreSink`;
- `dask`: the Dask transport, `QueueSink` inside a task on a real `LocalCluster` worker
  process (`local_dask_client`), its messages drained from the `distributed.Queue` and
  replayed into a `StoreSink` on this side (what `TrialMirror` does).
Then the store is read back through the Api: the same rows, record, files and state.
The Dask worker also records (audit hook, on the task's thread) every file it opens while
shipping: none.
"""
from __future__ import annotations

import math

import pytest

import py_tracker as pt
from py_tracker.storage.sink import RunSink, StoreSink, replay

RUN = "sinkrun1"
BIG = 2 ** 70
HISTORY = [[{"_step": i, "loss": 1.0 / (i + 1), "tag": f"s{i}", "_timestamp": 100.0 + i} for i in range(3)],
           [{"_step": 3, "loss": math.nan, "big": BIG, "_timestamp": 103.0},
            {"_step": 4, "loss": 0.1, "vec": [1, [2, 3]], "_timestamp": 104.0}]]
SYSTEM = [[{"_timestamp": 100.5, "cpu": 12.5}, {"_timestamp": 101.5, "cpu": 13.0}]]
OUTPUT = [b"line one\n", b"line two\n"]


def script(sink: RunSink) -> None:
    """The same calls for every implementation (see the module docstring)."""
    import time
    sink.open_run({"id": RUN, "name": "sink-run", "project": "sinks", "state": "running",
                   "config": {"lr": 0.1}, "summary": {}, "created_at": time.time(), "tags": []})
    sink.event(RUN, "start", {"worker": "here"})
    for batch in HISTORY:
        sink.rows(RUN, "history", batch)
    for batch in SYSTEM:
        sink.rows(RUN, "system", batch)
    sink.record(RUN, {"summary": {"loss": 0.1, "best": {"min": 0.1}}, "tags": ["a"]})
    sink.file(RUN, "media/blob.bin", bytes(range(256)))
    sink.file(RUN, "output.log", OUTPUT[0], offset=0)
    sink.file(RUN, "output.log", OUTPUT[0], offset=0)  # sent again: stored once
    sink.file(RUN, "output.log", OUTPUT[1], offset=len(OUTPUT[0]))
    sink.event(RUN, "note", {"text": "a note"})
    sink.finish(RUN, {"state": "finished", "exit_code": 0, "finished_at": time.time()})


def ship_on_worker(queue_name: str) -> list[str]:
    """The Dask task: run SCRIPT into a QueueSink; returns every path it opened meanwhile."""
    import sys

    from distributed import Queue, get_client

    from py_tracker.sweeps.dask_runner import QueueSink
    import threading
    opened: list[str] = []
    state = {"on": True}
    me = threading.get_ident()

    def audit(event: str, args: tuple) -> None:
        # this task's thread only (the worker's own monitor reads /proc); Python source read
        # for a traceback or a lazy import is no store file
        if (state["on"] and event == "open" and threading.get_ident() == me
                and not isinstance(args[0], int) and not str(args[0]).endswith((".py", ".pyc"))):
            opened.append(str(args[0]))

    sys.addaudithook(audit)
    queue = Queue(queue_name, client=get_client())
    try:
        script(QueueSink(queue, RUN))
    finally:
        state["on"] = False
    return opened


def through_local(root) -> None:
    script(StoreSink(root))


def through_dask(root, client) -> None:
    import secrets

    from distributed import Queue

    from py_tracker.sweeps.dask_runner import decode
    name = f"sink-contract-{secrets.token_hex(4)}"
    queue = Queue(name, client=client)
    opened = client.submit(ship_on_worker, name, pure=False).result(timeout=60)
    assert opened == [], f"the Dask transport opened files on the worker: {opened}"
    msgs = queue.get(batch=True)
    assert [m["seq"] for m in msgs] == list(range(len(msgs)))
    assert {m["k"] for m in msgs} <= {"open", "rows", "record", "file", "event", "finish"}
    sink = StoreSink(root)
    for m in msgs:
        replay(decode(m), sink)


@pytest.fixture(params=["local", "dask"])
def stored(request, tmp_path):
    root = tmp_path / "store"
    if request.param == "local":
        through_local(root)
    else:
        through_dask(root, request.getfixturevalue("local_dask_client"))
    return pt.Api(root).run(f"sinks/{RUN}")


def same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def test_rows_come_back_whole_in_order(stored):
    got = stored.history(pandas=False)
    want = [r for batch in HISTORY for r in batch]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert all(same(g.get(k), v) for k, v in w.items()), (g, w)
    assert got[3]["big"] == BIG
    sys_rows = stored.history(pandas=False, stream="system")
    assert [r["cpu"] for r in sys_rows] == [12.5, 13.0]


def test_record_and_end_state(stored):
    assert stored.name == "sink-run" and stored.config == {"lr": 0.1}
    assert stored.summary["loss"] == 0.1 and stored.summary["best"] == {"min": 0.1}
    assert list(stored.tags) == ["a"]
    assert stored.state == "finished"


def test_files_whole_and_appended_once(stored):
    assert (stored.dir / "media" / "blob.bin").read_bytes() == bytes(range(256))
    assert (stored.dir / "output.log").read_bytes() == b"".join(OUTPUT)


def test_a_file_outside_the_run_is_refused(tmp_path):
    sink = StoreSink(tmp_path / "store")
    sink.open_run({"id": RUN, "project": "sinks", "state": "running", "config": {}, "summary": {}})
    with pytest.raises(ValueError, match="escape|outside"):
        sink.file(RUN, "../../catalog.json", b"{}")


def test_a_hole_in_an_appended_file_is_an_error_not_silence(tmp_path):
    sink = StoreSink(tmp_path / "store")
    sink.open_run({"id": RUN, "project": "sinks", "state": "running", "config": {}, "summary": {}})
    sink.file(RUN, "output.log", b"abc\n", offset=0)
    with pytest.raises(ValueError, match="never arrived"):
        sink.file(RUN, "output.log", b"later\n", offset=10)
    sink.finish(RUN, {"state": "crashed"})
    assert (tmp_path / "store" / "runs" / RUN / "files" / "output.log").read_bytes() == b"abc\nlater\n"


def test_rows_for_an_unknown_stream_name_the_streams(tmp_path):
    sink = StoreSink(tmp_path / "store")
    with pytest.raises(ValueError, match="history, system"):
        sink.rows(RUN, "metrics", [{"a": 1}])
