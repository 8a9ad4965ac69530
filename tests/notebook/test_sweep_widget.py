"""The sweep control widget, driven through its object in a real IPython InteractiveShell:
real sweeps (the engine's Agent), a real `%%track --id` training cell, real runs on disk."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from IPython.core.error import UsageError as IPyUsageError

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.notebook.magic import magics
from py_tracker.notebook.sweep.control import SweepWidget, sweep_widget
from py_tracker.sweeps.config import SweepConfigError

from .conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]

# The training cell: `steps` log() calls ~20 ms apart; lr == "boom" raises.
BODY = """import time
cfg = pt.config
if cfg.get("lr") == "boom":
    raise ZeroDivisionError("bad lr")
for i in range(int(cfg.get("steps", 2))):
    pt.log({"loss": float(cfg.get("lr", 1.0)) / (i + 1), "i": i})
    time.sleep(0.02)
print("trained with lr", cfg.get("lr"))
"""


def make(ip, widgets, cell: str, params: dict, count=None, metric="loss", method="grid", **kw) -> SweepWidget:
    """Register `cell` through the real %%track magic (it runs once, as a user would), then a widget."""
    if cell not in magics.TRAINING_CELLS:
        ip.run_cell_magic("track", f"--project warmup --id {cell} --no-display", BODY)
    cfg = {"method": method, "metric": {"name": metric}, "parameters": params}
    w = sweep_widget(cfg, cell=cell, count=count, project="sw", shell=ip, **kw)
    widgets.append(w)
    return w


def runs_by_id(store) -> dict:
    return {r.id: r for r in pt.Api(store).runs("sw")}


def test_start_runs_the_trials_with_their_configs(ip, store, widgets, monkeypatch):
    monkeypatch.setenv("PY_TRACKER_CAPTURE_OUTPUT", "1")
    w = make(ip, widgets, "train_a", {"lr": {"values": [0.3, 0.1, 0.2]}, "steps": {"value": 3}})
    assert w.total == 3 and w.phase == "ready" and w.progress_state()["done"] == 0
    assert w.start()
    assert w.wait(20)
    assert [r.config for r in w.rows] == [{"lr": 0.3, "steps": 3}, {"lr": 0.1, "steps": 3}, {"lr": 0.2, "steps": 3}]
    runs = runs_by_id(store)
    for row in w.rows:
        run = runs[row.run_id]
        assert run.sweep_id == w.sweep_id and run.state == "finished" == row.state
        assert run.config["lr"] == row.config["lr"] and len(run.history(pandas=False)) == 3
        assert row.metric == pytest.approx(row.config["lr"] / 3) and row.duration > 0
        # the trial's print reached its run's logs and the widget
        assert f"trained with lr {row.config['lr']}" in (run.dir / "output.log").read_text()
    assert "trained with lr 0.3" in w.output_text and "── trial 3" in w.output_text
    assert w.best.config["lr"] == 0.1
    p = w.progress_state()
    assert (p["done"], p["total"], p["phase"]) == (3, 3, "finished")
    assert "3 of 3" in w.progress.value and w.end_reason == "every grid point was tried"
    # best row highlighted; sortable by metric
    assert w.table.value.count("py-tracker-trial py-tracker-best") == 1
    w.sort.value, w.descending.value = "metric", True
    w.tick()
    order = [w.table.value.index(r.run_id) for r in sorted(w.rows, key=lambda r: -r.metric)]
    assert order == sorted(order)
    assert w.charts.lines.data["trial"] == [1, 2, 3] and w.charts.best.data["value"][-1] == pytest.approx(0.1 / 3)
    assert w.start_button.disabled is False and w.stop_button.disabled is True


def test_pause_then_resume(ip, store, widgets):
    w = make(ip, widgets, "train_b", {"lr": {"values": [1.0, 2.0, 3.0]}, "steps": {"value": 15}})
    t0 = time.monotonic()
    assert w.start()
    assert wait_for(lambda: w.current is not None, 5)
    first = w.current
    w.pause_button.click()
    assert w.phase == "pausing" and w.resume_button.disabled is False or wait_for(lambda: not w.resume_button.disabled)
    assert wait_for(lambda: first.state == "finished", 5)  # the current trial finishes
    time.sleep(0.8)
    assert len(w.rows) == 1 and w.phase == "paused" and w.running
    assert pt.Api(store).sweep(w.sweep_id).state == "paused"
    w.resume_button.click()
    assert wait_for(lambda: len(w.rows) == 2, 5) and w.phase == "running"
    w.pause()
    assert wait_for(lambda: w.phase == "paused", 5)
    assert w.stop() and w.wait(5)  # Stop while paused: the waiting agent returns
    assert [r.state for r in w.rows] == ["finished"] * 2 and w.phase == "stopped"
    # elapsed leaves out the waits while paused (>= 0.8 s of the first wait alone)
    wall = w.controller._t_end - w.controller._t0  # Start → the sweep thread's end, pauses included
    elapsed = w.progress_state()["elapsed"]
    assert 0 < elapsed <= wall - 0.7 and elapsed < time.monotonic() - t0, (elapsed, wall)
    assert elapsed >= sum(r.duration for r in w.rows) - 0.1



def test_pause_and_resume_out_of_turn_are_refused(ip, store, widgets):
    w = make(ip, widgets, "train_b", {"lr": {"values": [1.0, 2.0]}, "steps": {"value": 30}})
    assert not w.pause() and w.note == "Pause: the sweep is not running."  # not started yet
    assert not w.resume() and w.note == "Resume: the sweep is not paused."
    assert w.start()
    assert not w.resume() and w.note == "Resume: the sweep is not paused."  # running
    assert w.pause() and w.note == "" and pt.Api(store).sweep(w.sweep_id).state == "paused"
    assert not w.pause() and w.note == "Pause: the sweep is not running."  # paused already
    assert pt.Api(store).sweep(w.sweep_id).state == "paused"  # a refusal changes nothing stored
    assert w.resume() and w.note == "" and pt.Api(store).sweep(w.sweep_id).state == "running"
    assert w.stop()
    assert not w.pause() and not w.resume()  # stopping (or ended): neither acts
    assert w.wait(10) and pt.Api(store).sweep(w.sweep_id).state == "stopped"

def test_stop_during_a_trial_ends_it_stopped_within_a_second(ip, store, widgets):
    w = make(ip, widgets, "train_c", {"lr": {"values": [1.0, 2.0]}, "steps": {"value": 500}})
    assert w.start()
    assert wait_for(lambda: w.current is not None and w.current.name, 5)
    row = w.current
    assert wait_for(lambda: f"py-tracker-run-{row.run_id}" in w.stop_button._dom_classes, 3)
    assert "py-tracker-stop" in w.stop_button._dom_classes  # the lab extension's out-of-band stop
    time.sleep(0.2)
    t0 = time.perf_counter()
    w.stop_button.click()
    handler = time.perf_counter() - t0
    assert wait_for(lambda: row.state == "stopped", 2)
    latency = time.perf_counter() - t0
    print(f"stop: handler {handler * 1000:.1f} ms, trial ended after {latency * 1000:.0f} ms")
    assert latency < 1.0
    assert w.wait(5) and len(w.rows) == 1  # no new trial
    run = runs_by_id(store)[row.run_id]
    assert run.state == "stopped" and 0 < len(run.history(pandas=False)) < 500  # what it logged is kept
    assert pt.Api(store).sweep(w.sweep_id).state == "stopped" and w.phase == "stopped"


def test_skip_ends_the_current_trial_and_goes_on(ip, store, widgets):
    w = make(ip, widgets, "train_d", {"steps": {"values": [500, 2, 3]}}, metric="loss")
    assert w.start()
    assert wait_for(lambda: w.current is not None and w.current.name, 5)
    first = w.current
    time.sleep(0.2)
    t0 = time.perf_counter()
    w.skip_button.click()
    assert wait_for(lambda: first.state == "stopped", 2)
    print(f"skip: trial ended after {(time.perf_counter() - t0) * 1000:.0f} ms")
    assert w.wait(20)
    assert [(r.config["steps"], r.label) for r in w.rows] == [(500, "skipped"), (2, "finished"), (3, "finished")]
    assert "skipped" in w.table.value


def test_second_start_is_refused(ip, store, widgets):
    w = make(ip, widgets, "train_e", {"lr": {"values": [1.0, 2.0]}, "steps": {"value": 30}})
    other = make(ip, widgets, "train_e", {"lr": {"values": [5.0]}})
    assert w.start()
    assert not w.start() and "refused" in w.note
    assert not other.start() and "already running" in other.note
    w.start_button.click()  # the button too (it is disabled in the page; a stale click is refused)
    assert w.stop()
    assert w.wait(5)
    sweeps = {r.get("id") for r in pt.Api(store).catalog.search("sweeps", lambda r: True)}
    assert sweeps == {w.sweep_id}  # no second sweep was created
    assert other.start() and other.wait(10) and len(other.rows) == 1  # free again once it ended
    old_id = w.sweep_id
    assert w.start() and w.wait(10)  # Start after the end: a new sweep, a fresh table
    assert w.sweep_id != old_id and [r.number for r in w.rows] == [1, 2]
    assert f"py-tracker-sweep-{w.sweep_id}" in w.stop_button._dom_classes
    assert f"py-tracker-sweep-{old_id}" not in w.stop_button._dom_classes


def test_a_failing_trial_is_marked_failed_and_the_sweep_goes_on(ip, store, widgets):
    w = make(ip, widgets, "train_f", {"lr": {"values": [1.0, "boom", 2.0]}, "steps": {"value": 2}})
    assert w.start() and w.wait(20)
    assert [r.state for r in w.rows] == ["finished", "failed", "finished"]
    assert runs_by_id(store)[w.rows[1].run_id].state == "failed"
    assert "ZeroDivisionError: bad lr" in w.output_text  # its traceback is shown in the widget
    assert w.best.config["lr"] == 1.0 and w.progress_state()["done"] == 3


def test_function_mode_random_count_and_escaping(store, widgets):
    seen = []

    def train():
        run = pt.init(project="ignored")
        seen.append(dict(run.config.as_dict()))
        run.log({"acc": len(seen) / 10})
        print("<b>raw</b> from train")

    cfg = {"method": "random", "metric": {"name": "acc", "goal": "maximize"}, "seed": 1,
           "parameters": {"opt": {"values": ["<script>x</script>", "sgd"]}, "lr": {"min": 0.0, "max": 1.0}}}
    # the module is notebook.sweep.control, so neither pt.sweep_widget nor py_tracker.notebook.sweep_widget is ever hidden by it
    w = pt.sweep_widget(cfg, function=train, count=4, project="sw")
    widgets.append(w)
    assert w.total == 4 and w.start() and w.wait(20)
    assert len(seen) == 4 and all(0 <= c["lr"] <= 1 and c["opt"] in ("<script>x</script>", "sgd") for c in seen)
    assert [r.config for r in w.rows] == [{k: c[k] for k in ("lr", "opt")} for c in seen]
    assert w.best.number == 4 and w.end_reason == "count 4 reached"
    assert "<script>" not in w.table.value and "<script>" not in w.trial_config.value
    assert "<b>raw</b> from train" in w.output_text  # plain text in an Output widget, not HTML
    assert all(r.project == "sw" for r in pt.Api(store).runs("sw"))


def test_bad_input_is_refused_with_a_clear_error(ip, store):
    cfg = {"method": "grid", "parameters": {"lr": {"values": [1]}}}
    with pytest.raises(UsageError, match="no training cell 'nope'"):
        sweep_widget(cfg, cell="nope", shell=ip)
    with pytest.raises(UsageError, match="exactly one"):
        sweep_widget(cfg)
    with pytest.raises(UsageError, match="count"):
        sweep_widget(cfg, function=lambda: None, count=0)
    with pytest.raises(SweepConfigError, match="parameters.lr"):
        sweep_widget({"method": "grid", "parameters": {"lr": {"min": 2, "max": 1}}}, function=lambda: None)
    with pytest.raises(IPyUsageError, match="no variable 'missing'"):
        ip.run_line_magic("track", "sweep missing --cell x")
    ip.user_ns["cfg_ok"] = cfg
    with pytest.raises(IPyUsageError, match="exactly one of --cell"):
        ip.run_line_magic("track", "sweep cfg_ok")


def test_track_sweep_magic(ip, store, widgets, tmp_path):
    ip.run_cell_magic("track", "--project warmup --id train_m --no-display", BODY)
    yaml_path = tmp_path / "sweep.yaml"
    yaml_path.write_text("method: grid\nmetric: {name: loss}\nparameters:\n  lr: {values: [0.5, 0.25]}\n")
    w = ip.run_line_magic("track", f"sweep {yaml_path} --cell train_m --count 1 --project sw --start")
    widgets.append(w)
    assert isinstance(w, SweepWidget) and w.wait(10) and [r.config for r in w.rows] == [{"lr": 0.5}]
    ip.user_ns["grid_cfg"] = {"method": "grid", "parameters": {"lr": {"values": [7.0]}}}
    w2 = ip.run_line_magic("track", "sweep grid_cfg --cell train_m --project sw")
    widgets.append(w2)
    assert w2.phase == "ready"
    ip.user_ns["w2"] = w2
    ip.run_cell("w2.start()")  # started inside a cell: IPython 9 resets sys.stdout.write when it ends
    assert w2.wait(10) and w2.rows[0].state == "finished"
    assert "trained with lr 7.0" in w2.output_text


def test_example_notebook_runs_with_nbclient(store, monkeypatch):
    monkeypatch.setenv("PY_TRACKER_CAPTURE_OUTPUT", "1")
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(ROOT / "examples" / "sweep_widget.ipynb", as_version=4)
    client = NotebookClient(nb, timeout=90, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    t = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - t
    assert elapsed < 90, f"notebook took {elapsed:.0f} s"
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    sweeps = pt.Api(store).catalog.search("sweeps", lambda r: True)
    assert sweeps
    trials = [r for r in pt.Api(store).runs("digits-sweep") if r.sweep_id]
    assert len(trials) >= 4 and all(r.state == "finished" for r in trials)
    assert max(r.summary["val_acc"] for r in trials) > 0.8
    # what the trials printed went to their runs' logs and the widget, not into other cells
    for r in trials:
        assert f"lr={r.config['lr']} alpha={r.config['alpha']}: val_acc" in (r.dir / "output.log").read_text()
    streams = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert streams.count(": val_acc") == 1  # only the hand-run training cell's own print


def test_thread_output_routes_only_its_threads_and_stays_bounded():
    import sys
    import threading

    import ipywidgets as w

    from py_tracker.notebook.sweep.output import ThreadOutput
    out = ThreadOutput(w.Output(), max_chars=1000).install()
    try:
        t = threading.Thread(target=lambda: (out.threads.add(threading.get_ident()),
                                             [print(f"line {i}") for i in range(500)],
                                             print("oops", file=sys.stderr)))
        t.start()
        t.join()
        print("main thread line")  # not routed
        assert out.flush()
    finally:
        out.uninstall()
    assert "line 499\n" in out.text and "line 0\n" not in out.text and len(out.text) <= 1010
    assert "main thread line" not in out.text
    assert out.output.outputs[-1] == {"output_type": "stream", "name": "stderr", "text": "oops\n"}
    assert not isinstance(sys.stdout, type(out)) and "sweep output" not in repr(sys.stdout)


def test_resume_an_existing_sweep_without_repeating_grid_points(ip, store, widgets):
    first = make(ip, widgets, "train_r", {"lr": {"values": [1.0, 2.0, 3.0, 4.0]}, "steps": {"value": 1}}, count=2)
    assert first.start() and first.wait(10) and first.phase == "done" and first.end_reason == "count 2 reached"
    w = ip.run_line_magic("track", f"sweep --resume {first.sweep_id} --cell train_r --project sw")
    widgets.append(w)
    assert w.total == 2 and w.start() and w.wait(10)
    assert w.sweep_id == first.sweep_id
    assert [r.config["lr"] for r in first.rows + w.rows] == [1.0, 2.0, 3.0, 4.0]
    assert w.end_reason == "every grid point was tried"
    with pytest.raises(UsageError, match="cannot go on"):
        sweep_widget(sweep_id=first.sweep_id, cell="train_r", shell=ip)
    with pytest.raises(IPyUsageError, match="needs a CONFIG"):
        ip.run_line_magic("track", "sweep --cell train_r")


def test_charts_tab_shows_every_trial_full_width_with_importance(store, widgets):
    def train():
        run = pt.init(project="ignored")
        bonus = {"adam": 0.0, "sgd": 0.01, "rmsprop": 0.02}[run.config["opt"]]
        run.log({"loss": run.config["lr"] + bonus, "acc": bonus * 10})

    cfg = {"method": "grid", "metric": {"name": "loss"},
           "parameters": {"lr": {"values": [0.1, 0.5, 0.9]}, "opt": {"values": ["adam", "sgd", "rmsprop"]},
                          "steps": {"value": 3}}}
    w = pt.sweep_widget(cfg, function=train, project="sw")
    widgets.append(w)
    assert w.total == 9 and w.start() and w.wait(30)
    w.finalize()
    c = w.charts
    # metric by trial: stretches to the page width, stacked (not beside the parallel chart), all 9 trials in range
    charts_tab = w.tabs.children[2]
    assert type(charts_tab).__name__ == "VBox" and list(charts_tab.children[1:3]) == c.widgets()
    assert c.by_trial.sizing_mode == "stretch_width" and c.widgets()[1].layout.width == "100%"
    assert c.points.data["n"] == list(range(1, 10))
    assert (c.x_range.start, c.x_range.end) == (0.5, 9.5)
    # parallel coordinates: the constant `steps` is left out; ticks in the parameters' units; a colour bar
    assert c.axes == ["lr", "opt", "loss"] and c.parallel.xaxis[0].major_label_overrides == {0: "lr", 1: "opt", 2: "loss"}
    assert c.axis_ticker.ticks == [0, 1, 2] and len(c.axis_lines.data["xs"]) == 3
    by_axis: dict = {}
    for x, text in zip(c.ticks.data["x"], c.ticks.data["text"]):
        by_axis.setdefault(round(x), []).append(text)
    assert by_axis[0] == ["0.1", "0.2", "0.4", "0.6", "0.8", "0.9"]  # round values, not only min and max
    assert by_axis[1] == ["adam", "rmsprop", "sgd"]
    assert any(type(r).__name__ == "ColorBar" for r in c.parallel.right)
    # parameter importance: lr drives the loss
    html = c.importance.value
    assert "Parameter importance" in html and "9 trials" in html
    assert html.index("<code>lr</code>") < html.index("<code>opt</code>") and "steps" not in html
    assert charts_tab.children[3] is c.importance
    # a chosen metric: the last axis, the colours, the colour bar and the importance follow it
    assert charts_tab.children[0] is c.colour_by and list(c.colour_by.options) == ["loss", "acc"]
    c.colour_by.value = "acc"
    w.finalize()
    assert c.axes == ["lr", "opt", "acc"] and c.colour_bar.title == "acc"
    assert sorted(c.lines.data["score"]) == pytest.approx(sorted([0.0, 0.1, 0.2] * 3))
    html = c.importance.value
    assert "<code>acc</code>" in html and html.index("<code>opt</code>") < html.index("<code>lr</code>")
