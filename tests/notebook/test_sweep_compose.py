"""The sweep widget's two halves on their own: `SweepController` runs a real sweep headless
(a fresh process that never imports ipywidgets or Bokeh), and `SweepPanelView` renders a
given `SweepSnapshot` with no controller and no sweep thread behind it."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from py_tracker.notebook.sweep.controller import SweepSnapshot
from py_tracker.notebook.sweep.executor import ExecutorChoice
from py_tracker.notebook.sweep.layout import ACTIONS, SweepPanelView, SweepTitle
from py_tracker.notebook.sweep.view import TrialRow

ROOT = Path(__file__).resolve().parents[2]

HEADLESS = textwrap.dedent("""
    import json, sys
    import py_tracker as pt
    from py_tracker.notebook.sweep.controller import SweepController

    def train():
        run = pt.init()
        print("trained with lr", run.config["lr"])
        run.log({"loss": run.config["lr"] * 2})
        run.finish()

    seen = []
    class Observer:  # what a view would be told
        def changed(self): seen.append("changed")
        def trial_run(self, run, row): seen.append("trial " + run.id)
        def lock(self, choice): seen.append("lock " + (choice.kind if choice else "-"))
        def before_run(self, sweep_id): seen.append("before " + sweep_id)

    cfg = {"method": "grid", "metric": {"name": "loss"}, "parameters": {"lr": {"values": [0.3, 0.1, 0.2]}}}
    ctl = SweepController.make(cfg, function=train, project="headless", root=sys.argv[1], observer=Observer())
    first = ctl.snapshot()
    assert ctl.start() and ctl.wait(60), "the sweep did not end"
    snap = ctl.snapshot()
    print(json.dumps({
        "first": [first.phase, first.total, first.done, first.active],
        "phase": snap.phase, "done": snap.done, "total": snap.total, "active": snap.active,
        "lrs": [r.config["lr"] for r in snap.rows], "states": [r.state for r in snap.rows],
        "best": snap.best.config["lr"], "ids": [r.run_id for r in snap.rows], "sweep_id": snap.sweep_id,
        "output": ctl.output_text, "seen": sorted(set(s.split(" ")[0] for s in seen)),
        "trial_runs": [s.split(" ")[1] for s in seen if s.startswith("trial ")],
        "gui": sorted(m for m in sys.modules if m.split(".")[0] in ("ipywidgets", "bokeh", "jupyter_bokeh")),
    }))
""")


def test_controller_runs_a_real_sweep_headless_without_ipywidgets(tmp_path):
    res = subprocess.run([sys.executable, "-c", HEADLESS, str(tmp_path / "store")], capture_output=True,
                         text=True, timeout=180, cwd=tmp_path, check=False,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["gui"] == []  # neither the controller nor a sweep through it imports a widget library
    assert out["first"] == ["ready", 3, 0, False]
    assert out["phase"] == "finished" and out["done"] == out["total"] == 3 and out["active"] is False
    assert out["lrs"] == [0.3, 0.1, 0.2] and out["states"] == ["finished"] * 3 and out["best"] == 0.1
    assert "trained with lr 0.3" in out["output"] and "── trial 3" in out["output"]  # kept, with no Output widget
    assert out["seen"] == ["before", "changed", "lock", "trial"] and out["trial_runs"] == out["ids"]
    import py_tracker as pt  # the trials are real runs in the store, joined to the sweep
    runs = {r.id: r for r in pt.Api(tmp_path / "store").runs("headless")}
    assert set(runs) == set(out["ids"]) and all(r.sweep_id == out["sweep_id"] for r in runs.values())


def test_a_snapshot_does_not_change_when_the_sweep_goes_on(tmp_path):
    from py_tracker.notebook.sweep.controller import SweepController
    cfg = {"method": "grid", "metric": {"name": "loss"}, "parameters": {"lr": {"values": [0.1, 0.2]}}}
    ctl = SweepController.make(cfg, function=lambda: None, root=tmp_path / "store")
    ctl.trials.start("r1", {"lr": 0.1})
    before = ctl.snapshot()
    ctl.trials.end("r1", {"state": "finished", "summary": {"loss": 0.5}, "runtime": 1.0}, "finished", None, "loss")
    after = ctl.snapshot()
    assert [r.state for r in before.rows] == ["running"] and before.current is before.rows[0]
    assert before.best is None and before.version < after.version
    assert [r.state for r in after.rows] == ["finished"] and after.current is None
    assert after.best is after.rows[0] and after.best.metric == 0.5


def _row(number: int, lr: float, state: str = "finished", metric: float | None = None) -> TrialRow:
    row = TrialRow(number, f"run{number}", {"lr": lr}, started=time.time() - 10 + number, state=state, name=f"trial-{number}")
    row.metric, row.duration = metric, (None if state == "running" else 2.0)
    return row


def _snapshot(rows: list[TrialRow], **kw) -> SweepSnapshot:
    base: dict = {"phase": "running", "rows": tuple(rows), "version": 3, "best": None, "current": None,
                  "current_run_id": None, "done": sum(r.state != "running" for r in rows), "started": len(rows),
                  "total": 5, "elapsed": 12.0, "remaining": 6.0, "active": True, "paused": False,
                  "stopping": False, "sweep_id": "sw123", "note": "", "error": None, "end_reason": None,
                  "remote": False, "executor": "local thread"}
    return SweepSnapshot(**{**base, **kw})


def test_view_renders_a_given_snapshot_without_a_controller():
    clicks: list[str] = []
    redraws: list[int] = []
    view = SweepPanelView(SweepTitle("night <run>", "grid", ["lr"], "loss", "minimize", 5, None, "train"),
                          ExecutorChoice(), {name: (lambda n=name: clicks.append(n)) for name in ACTIONS},
                          redraw=lambda: redraws.append(1))
    try:
        rows = [_row(1, 0.3, metric=0.6), _row(2, 0.1, metric=0.2), _row(3, 0.2, state="running")]
        view.render(_snapshot(rows, current=rows[2], current_run_id="run3"))
        assert "night &lt;run&gt;" in view.title.value and "<run>" not in view.title.value
        table = view.table.value
        best_tr = [tr for tr in table.split("<tr")[1:] if "py-tracker-best pyt-best" in tr]
        assert len(best_tr) == 1 and "run2" in best_tr[0]  # the lowest loss is highlighted
        assert "best so far: trial 2" in table and "trial-3" in table
        assert "py-tracker-sweep-phase'>running<" in view.progress.value and "2 of 5" in view.progress.value
        assert "sw123" in view.progress.value
        assert view.start_button.disabled and not view.pause_button.disabled and not view.skip_button.disabled
        assert view.resume_button.disabled and "py-tracker-run-run3" in view.stop_button._dom_classes

        rows[2].state, rows[2].metric, rows[2].duration = "stopped", 0.1, 1.0  # ended: now the best
        view.render(_snapshot(rows, version=4, phase="paused", paused=True, note="Pause <now>"))
        assert "best so far: trial 3" in view.table.value
        assert "py-tracker-sweep-phase'>paused<" in view.progress.value and "Pause &lt;now&gt;" in view.progress.value
        assert view.pause_button.disabled and not view.resume_button.disabled and view.skip_button.disabled
        assert not any(c.startswith("py-tracker-run-") for c in view.stop_button._dom_classes)

        view.render(_snapshot(rows, version=4, phase="stopped", active=False, end_reason="stopped from the sweep widget"))
        assert "ended: stopped from the sweep widget" in view.progress.value
        assert not view.start_button.disabled and view.stop_button.disabled and not view.picker.kind.disabled

        view.pause_button.click()
        view.stop_button.click()
        view.sort.value = "metric"  # a view setting asks for a fresh snapshot
        assert clicks == ["pause", "stop"] and redraws == [1]
        assert not [t for t in threading.enumerate() if t.name.startswith("py_tracker-sweep")]  # no sweep behind it
        assert "best so far: trial 3" in view.static_html(_snapshot(rows, active=False))
    finally:
        view.close()
