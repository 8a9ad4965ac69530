"""Parallel sweeps without a cluster: executor choice and errors, what cannot be pickled,
missing dask, and the worker→controller mirror (a real worker-side run fed into the Dask
transport's run sink, shipped through a msgpack loopback and replayed into the controller's
store: the same bytes on disk as the worker's own run wrote)."""
from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.core import session
from py_tracker.core.trial import TrialContext, joining
from py_tracker.errors import UsageError
from py_tracker.storage.catalog import Catalog
from py_tracker.sweeps import dask_runner
from py_tracker.sweeps.executors import check_function, make_executor, require_dask, resolve_executor
from py_tracker.sweeps.mirror import TrialMirror
from py_tracker.sweeps.parallel import parallel_agent
from py_tracker.sweeps.store import SweepStore

msgpack = pytest.importorskip("msgpack")
pytest.importorskip("distributed")

LOCK = threading.Lock()


def test_make_executor_kinds_and_errors():
    assert make_executor("local", 1) is None
    with pytest.raises(UsageError, match="processes"):
        make_executor("threads", 2)
    with pytest.raises(UsageError, match="one of"):
        make_executor("gpu-farm", 2)
    with pytest.raises(UsageError, match="positive integer"):
        make_executor("processes", 0)
    with pytest.raises(UsageError, match="address"):
        make_executor("dask", 2)
    with pytest.raises(UsageError, match="distributed Client"):
        resolve_executor(42, 2)
    with pytest.raises(UsageError, match="leave executor out"):
        resolve_executor("local", 2)


def test_without_dask_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'py_tracker\[dask\]'"):
        require_dask()
    with pytest.raises(ImportError, match="py_tracker\\[dask\\]"):
        parallel_agent("whatever", lambda: None, executor="processes", parallel=2)


def test_unpicklable_closure_is_named():
    lock = threading.Lock()

    def train():
        with lock:
            pt.log({"x": 1})
    with pytest.raises(UsageError) as err:
        check_function(train)
    msg = str(err.value)
    assert "closure variable 'lock'" in msg and "_thread.lock" in msg and "'test_unpicklable" in msg


def test_unpicklable_global_of_a_helper_is_named():
    def helper():
        return LOCK

    def train():
        helper()
    with pytest.raises(UsageError, match="global 'LOCK' .*used by closure variable 'helper'"):
        check_function(train)
    check_function(lambda: pt.log({"x": 1}))  # a plain function goes through


def test_agent_arguments_are_checked_before_any_cluster(store):
    sid = pt.sweep({"method": "random", "parameters": {"x": {"min": 0.0, "max": 1.0}}}, project="p")
    with pytest.raises(UsageError, match="parallel"):
        parallel_agent(sid, lambda: None, executor="processes", parallel=0)
    with pytest.raises(UsageError, match="function=train"):
        parallel_agent(sid, None, executor="processes", parallel=2)
    with pytest.raises(UsageError, match="no arguments"):
        parallel_agent(sid, lambda a: None, executor="processes", parallel=2)
    with pytest.raises(UsageError, match="no sweep"):
        parallel_agent("nope1234", lambda: None, executor="processes", parallel=2)


class Loopback:
    """The worker's queue as seen by the controller: each message goes through msgpack (as
    Dask sends it) straight into the trial's mirror."""

    def __init__(self, mirror: TrialMirror):
        self.mirror = mirror
        self.sent: list[dict] = []

    def put(self, msg: dict) -> None:
        msg = msgpack.unpackb(msgpack.packb(msg, use_bin_type=True), raw=False)
        self.sent.append(msg)
        self.mirror.apply(msg)


def test_worker_run_is_mirrored_byte_for_byte(store, tmp_path):
    sid = pt.sweep({"method": "grid", "parameters": {"lr": {"values": [0.5]}}}, project="mirror")
    ctl = SweepStore()
    ctx = TrialContext(sid, "mirror", "trial001", {"lr": 0.5})
    mirror = TrialMirror(ctl, ctx)
    mirror.create()
    assert pt.Api().run("trial001").state == "running"  # shown before the worker starts

    worker_root = tmp_path / "worker"
    queue = Loopback(mirror)
    sink = dask_runner.QueueSink(queue, "trial001")
    feed = dask_runner.TrialFeed(sink, "trial001", Catalog(worker_root))
    dask_runner._feeds["trial001"] = feed
    session.add_init_hook(dask_runner._attach)  # what run_trial does on a worker
    try:
        with joining(ctx.with_root(worker_root)):
            run = pt.init(config={"extra": 1}, settings={"monitor_interval": 0.05, "capture_output": True})
        print("hello from the worker")
        for i in range(300):
            run.log({"loss": 1.0 / (i + 1), "tag": f"s{i}" if i % 7 == 0 else None} if i % 7 == 0
                    else {"loss": 1.0 / (i + 1)})
        run.summary["best"] = 0.5
        (run.dir / "model.txt").write_text("weights")
        run.finish()
        feed.final()
        sink.finish("trial001", {"outcome": "finished", "error": None})
    finally:
        dask_runner._feeds.pop("trial001", None)
    mirror.save_meta()
    assert mirror.end["outcome"] == "finished"
    mirror.finish("finished")

    src = worker_root / "runs" / "trial001"
    dst = store / "runs" / "trial001"
    for rel in ("history.jsonl", "system.jsonl", "files/output.log", "files/model.txt", "files/config.yaml"):
        assert (dst / rel).read_bytes() == (src / rel).read_bytes(), rel
    r = pt.Api().run("trial001")
    assert r.state == "finished" and r.sweep_id == sid and r.config == {"extra": 1, "lr": 0.5}
    assert r.summary["best"] == 0.5 and len(r.history(pandas=False)) == 300
    assert "hello from the worker" in (r.dir / "output.log").read_text()
    assert [m["seq"] for m in queue.sent] == list(range(len(queue.sent)))


def test_mirror_keeps_one_copy_of_a_resend_and_refuses_escapes(store):
    import pickle
    sid = pt.sweep({"method": "grid", "parameters": {"lr": {"values": [0.5]}}}, project="mirror")
    mirror = TrialMirror(SweepStore(), TrialContext(sid, "mirror", "trial002"))
    mirror.create()
    rows = pickle.dumps([{"_step": 0, "v": 1}])
    mirror.apply({"k": "rows", "run": "trial002", "seq": 0, "stream": "history", "rows": rows})
    mirror.apply({"k": "file", "run": "trial002", "seq": 1, "name": "output.log", "data": b"a\n", "offset": 0})
    mirror.apply({"k": "file", "run": "trial002", "seq": 2, "name": "output.log", "data": b"a\n", "offset": 0})
    mirror.apply({"k": "file", "run": "trial002", "seq": 3, "name": "../../../escape.txt", "data": b"x",
                  "offset": None})
    mirror.apply({"k": "file", "run": "trial002", "seq": 4, "name": "../catalog.json", "data": b"{}",
                  "offset": None})
    mirror.apply({"k": "rows", "run": "trial002", "seq": 5, "stream": "../catalog", "rows": rows})
    mirror.apply({"k": "file", "run": "trial002", "seq": 6, "name": "output.log", "data": b"z\n", "offset": 9})
    mirror.finish("crashed")
    run_dir = Path(store) / "runs" / "trial002"
    assert (run_dir / "files" / "output.log").read_bytes() == b"a\nz\n"  # the piece after a hole is kept
    assert not (Path(store).parent / "escape.txt").exists() and not (run_dir / "catalog.json").exists()
    r = pt.Api().run("trial002")
    assert r.state == "crashed" and [row["v"] for row in r.history(pandas=False)] == [1]
