"""The sweep widget's executor picker: its options and checks (a training cell only runs on the
local thread, parallel is bounded, settings are locked while a sweep runs), the `%track sweep
--executor/--parallel` magic options, and real parallel sweeps driven from the widget — on a
LocalCluster the widget makes ("local processes") and on a Dask client from the notebook,
whose Stop ends every remote trial."""
from __future__ import annotations

import threading
import time

import pytest
from IPython.core.error import UsageError as IPyUsageError

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.notebook.magic import magics
from py_tracker.notebook.sweep.executor import OPTIONS, ExecutorChoice, split_magic
from py_tracker.notebook.sweep.control import sweep_widget

from .conftest import wait_for

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.timeout(90), pytest.mark.filterwarnings("ignore:Port 8787 is already in use")]

GRID = {"method": "grid", "metric": {"name": "loss"}, "parameters": {"x": {"values": [1, 2, 3, 4]}}}


@pytest.fixture(scope="module")
def ip(ip):
    """The notebook tests' shell, with the grid, `quick` and the `train_exec` training cell."""
    shell = ip
    shell.user_ns.update(grid_cfg=GRID, quick=quick)
    if "train_exec" not in magics.TRAINING_CELLS:
        shell.run_cell_magic("track", "--project warmup --id train_exec --no-display", "pt.log({'loss': 1.0})")
    return shell


def quick():
    pt.log({"loss": 0.0})


def test_picker_options_defaults_and_arguments(ip, store, widgets):
    w = sweep_widget(GRID, function=quick, project="ex", shell=ip)
    widgets.append(w)
    p = w.picker
    assert list(p.kind.options) == ["local thread", "local processes", "Dask client"] == list(OPTIONS)
    assert p.kind.value == "local thread" and p.parallel.value == 1 and (p.parallel.min, p.parallel.max) == (1, 256)
    assert p.parallel.disabled and p.dask.layout.display == "none"  # one trial at a time on the thread
    p.kind.value = "local processes"
    assert not p.parallel.disabled
    p.parallel.value = 3
    assert p.read() == ExecutorChoice("processes", 3)
    p.kind.value = "Dask client"
    assert p.dask.layout.display is None
    with pytest.raises(UsageError, match="scheduler address"):
        p.read({})
    p.dask.value = "my_client"
    with pytest.raises(UsageError, match="no variable 'my_client'"):
        p.read({})
    with pytest.raises(UsageError, match="not a dask.distributed Client"):
        p.read({"my_client": 42})
    p.dask.value = "tcp://127.0.0.1:8786"
    assert p.read() == ExecutorChoice("dask", 3, "tcp://127.0.0.1:8786", "tcp://127.0.0.1:8786")
    p.kind.value = "local thread"
    assert p.parallel.value == 1 and p.read() == ExecutorChoice()

    # keyword arguments, as agent() takes them
    assert ExecutorChoice.make(None, 1).kind == "thread"
    assert ExecutorChoice.make(None, 4) == ExecutorChoice("processes", 4)  # like agent(parallel=4)
    assert ExecutorChoice.make("threads", 1).kind == "thread"
    w2 = sweep_widget(GRID, function=quick, project="ex", shell=ip, executor="processes", parallel=2)
    widgets.append(w2)
    assert (w2.picker.kind.value, w2.picker.parallel.value) == ("local processes", 2)
    for bad in (0, -1, 257, 1.5, True, "2"):
        with pytest.raises(UsageError, match=r"parallel=.*integer from 1 to 256"):
            sweep_widget(GRID, function=quick, project="ex", shell=ip, executor="processes", parallel=bad)
    with pytest.raises(UsageError, match="one trial at a time.*parallel=2"):
        sweep_widget(GRID, function=quick, project="ex", shell=ip, executor="threads", parallel=2)
    with pytest.raises(UsageError, match="executor='gpu'"):
        sweep_widget(GRID, function=quick, project="ex", shell=ip, executor="gpu")
    with pytest.raises(UsageError, match="executor=42"):
        sweep_widget(GRID, function=quick, project="ex", shell=ip, executor=42)

    lock = threading.Lock()

    def unpicklable():
        with lock:
            pt.log({"loss": 1.0})
    w3 = sweep_widget(GRID, function=unpicklable, project="ex", shell=ip, executor="processes", parallel=2)
    widgets.append(w3)
    with pytest.raises(UsageError, match="closure variable 'lock'"):  # at Start, before any cluster
        w3.start()
    assert not w3.running and w3.sweep_id is None and not w3.picker.kind.disabled


def test_a_training_cell_runs_only_on_the_local_thread(ip, store, widgets):
    for executor, what in (("processes", "local processes"), ("tcp://127.0.0.1:8786", "Dask")):
        with pytest.raises(UsageError, match=f"cannot be shipped.*trials on {what}.*pass function=train"):
            sweep_widget(GRID, cell="train_exec", project="ex", shell=ip, executor=executor, parallel=2)
    with pytest.raises(UsageError, match="cannot be shipped"):
        sweep_widget(GRID, cell="train_exec", project="ex", shell=ip, parallel=2)
    w = sweep_widget(GRID, cell="train_exec", project="ex", shell=ip)
    widgets.append(w)
    assert w.picker.kind.disabled and "function=train" in w.picker.kind.tooltip
    w.picker.kind.value = "local processes"  # from code, around the disabled control: Start refuses
    with pytest.raises(UsageError, match="cannot be shipped"):
        w.start()
    assert not w.running and w.sweep_id is None
    w.start_button.click()  # the button shows the same message instead of raising
    assert "cannot be shipped" in w.note
    with pytest.raises(IPyUsageError, match="cannot be shipped"):
        ip.run_line_magic("track", "sweep grid_cfg --cell train_exec --executor processes --parallel 2")


def test_magic_options(ip, store, widgets):
    assert split_magic("cfg --function f --executor processes --parallel=3 --start", {}) == \
        ("cfg --function f --start", "processes", 3)
    w = ip.run_line_magic("track", "sweep grid_cfg --function quick --executor processes --parallel 2 -p ex")
    widgets.append(w)
    assert w.choice == ExecutorChoice("processes", 2) and w.picker.parallel.value == 2
    for line, msg in (("--parallel two", "whole number"), ("--parallel 0", "1 to 256"),
                      ("--executor nope", "no variable 'nope'"), ("--executor", "needs a value")):
        with pytest.raises(IPyUsageError, match=msg):
            ip.run_line_magic("track", f"sweep grid_cfg --function quick -p ex {line}")


def test_processes_parallel_2_runs_the_grid_and_fills_the_table(ip, store, widgets):
    def train():
        pt.init()
        for i in range(3):
            pt.log({"loss": pt.config.x / (i + 1)})
            time.sleep(0.05)

    w = sweep_widget(GRID, function=train, project="ex", shell=ip, executor="processes", parallel=2)
    widgets.append(w)
    assert w.start()
    assert w.picker.read() == w.choice and w.running
    w.picker.parallel.value = 5  # settings cannot change while the sweep runs
    assert w.picker.parallel.value == 2 and "cannot change while a sweep runs" in w.picker.refused
    assert wait_for(lambda: w.picker.kind.disabled and w.picker.parallel.disabled, 5)
    assert w.wait(60), w.output_text
    assert w.error is None, w.output_text
    assert sorted(r.config["x"] for r in w.rows) == [1, 2, 3, 4]
    assert [r.state for r in w.rows] == ["finished"] * 4
    assert [r.metric for r in sorted(w.rows, key=lambda r: r.config["x"])] == pytest.approx([1 / 3, 2 / 3, 1, 4 / 3])
    for r in w.rows:
        assert r.run_id in w.table.value
    assert w.table.value.count(">finished<") == 4 and "4 of 4" in w.progress.value
    runs = pt.Api().sweep(w.sweep_id).runs
    assert len(runs) == 4 and all(len(r.history(pandas=False)) == 3 for r in runs)
    assert len({r.to_dict().get("worker") for r in runs}) == 2  # both worker processes took trials
    assert w.phase == "finished" and not w.picker.kind.disabled  # unlocked again
    assert "2 local processes" in w.trial_config.value


@pytest.fixture(scope="module")
def client(ip):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    ip.user_ns.pop("client", None)
    c.close()
    cluster.close()


def remote_widget(ip, client, widgets, config):
    """A widget whose trials run on the notebook's `client`, picked as a user would."""
    ip.user_ns["client"] = client

    def train():
        pt.init()
        for i in range(600 if pt.config.x < 2 else 4):
            pt.log({"loss": float(i)})
            time.sleep(0.05)

    w = sweep_widget(config, function=train, project="ex", shell=ip)
    widgets.append(w)
    w.picker.kind.value = "Dask client"
    w.picker.dask.value = "client"  # the notebook's Client variable
    w.picker.parallel.value = 2
    return w


def test_stop_during_a_parallel_sweep_on_a_notebook_client(ip, store, widgets, client):
    _, got, n = split_magic("cfg --function f --executor client --parallel 2", {"client": client})
    assert got is client and n == 2  # `%track sweep ... --executor client`: the notebook's Client
    given = sweep_widget(GRID, function=quick, project="ex", shell=ip, executor=client, parallel=2)
    widgets.append(given)  # a Client passed in: the field shows its scheduler's address, Start uses the object
    assert given.picker.kind.value == "Dask client" and given.picker.dask.value.startswith("tcp://127.0.0.1:")
    assert given.picker.read().target is client
    w = remote_widget(ip, client, widgets, {"method": "random", "metric": {"name": "loss"},
                                             "parameters": {"x": {"min": 0.0, "max": 1.0}}})
    assert w.start() and w.choice.target is client
    assert wait_for(lambda: len([r for r in w.rows if r.state == "running"]) == 2, 30), w.output_text
    assert wait_for(lambda: "2 trials running" in w.trial_config.value, 5)
    assert wait_for(lambda: not w.skip_button.disabled, 5)
    time.sleep(0.5)
    t0 = time.monotonic()
    w.stop_button.click()
    assert w.wait(20), w.output_text
    assert time.monotonic() - t0 < 6
    assert len(w.rows) == 2 and [r.state for r in w.rows] == ["stopped"] * 2
    assert w.phase == "stopped" and pt.Api().sweep(w.sweep_id).state == "stopped"
    assert client.status == "running"  # the notebook's client is the user's: left open


def test_pause_skip_resume_reach_remote_trials(ip, store, widgets, client):
    w = remote_widget(ip, client, widgets, {"method": "grid", "parameters": {"x": {"values": [0, 1, 2, 3]}}})
    assert w.start()
    assert wait_for(lambda: len([r for r in w.rows if r.state == "running"]) == 2, 30), w.output_text
    w.pause_button.click()
    assert w.phase == "pausing" and pt.Api().sweep(w.sweep_id).state == "paused"
    w.skip_button.click()  # both running trials end now; paused, so no new one starts
    assert wait_for(lambda: w.phase == "paused", 10), w.output_text
    time.sleep(1.0)
    assert [r.label for r in w.rows] == ["skipped", "skipped"] and w.running
    w.resume_button.click()
    assert w.wait(30), w.output_text
    assert [r.label for r in w.rows] == ["skipped", "skipped", "finished", "finished"]
    assert sorted(r.config["x"] for r in w.rows) == [0, 1, 2, 3] and w.phase == "finished"
