"""Contract: a live run and every stored view of it answer the same questions.

One real run (config, tags, group, job type, define_metric(summary="min"), 30 history
rows with a gap and text, a saved file) is asked the same questions through every view:
- `live`: the `wandb.init()` run object (its rows as its row listener received them);
- `api`: `Api().run(id)`;
- `server`: the sidebar server's run JSON (`StoreReader.run_detail`) and series;
- `notebook`: the notebook panels' `RunSource` over the stored run (its history through
  `StreamTail`, as a panel reads it);
- `notebook-live`: `RunSource` over the live run object.
The questions: id, name, project, group, job type, tags, config, summary, state, the
history values of each key, the file names. Asked while the run runs (state "running"
everywhere; after a flush the rows are on disk for every view) and after it finished.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable

import numpy as np
import pytest

import py_tracker as pt
from py_tracker.notebook.live.source import RunSource, StreamTail
from py_tracker.server.store import StoreReader

VIEWS = ["live", "api", "server", "notebook", "notebook-live"]
STEPS = 30


def _num(v: Any) -> Any:
    if isinstance(v, (float, np.floating)):
        return None if math.isnan(v) else round(float(v), 12)
    if isinstance(v, np.integer):
        return int(v)
    return v


def _columns_as_values(cols: dict, keys: list[str]) -> dict[str, list]:
    """{key: [value per row, None where not logged]} from a StreamTail read."""
    return {k: [_num(v) for v in cols[k].tolist()] for k in keys if k in cols}


class LiveRows:
    """The live run's own view of its rows: what its row listener was handed."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def __call__(self, stream: str, rows: list[dict]) -> None:
        if stream == "history":
            self.rows.extend(rows)


@pytest.fixture
def recorded(new_run):
    run = new_run(name="views", config={"lr": 0.01, "net": {"depth": 3}}, tags=["a", "b"],
                  group="g1", job_type="train")
    seen = LiveRows()
    run.add_row_listener(seen)
    run.define_metric("loss", summary="min")
    for i in range(STEPS):
        row = {"loss": 1.0 / (i + 1) if i != 5 else 2.0, "acc": i / STEPS}
        if i % 10 == 0:
            row["note"] = f"step {i}"
        run.log(row)
    run.summary["best"] = "yes"
    (run.dir / "weights.txt").write_text("w")
    run.flush()
    return run, seen


def answers(view: str, run: Any, seen: LiveRows) -> dict[str, Any]:
    """The questions, answered through one view."""
    keys = ["loss", "acc", "note"]
    root = run.root
    if view == "live":
        rows = seen.rows
        return {"id": run.id, "name": run.name, "project": run.project, "group": run.group,
                "job_type": run.job_type, "tags": list(run.tags), "config": run.config.as_dict(),
                "summary": run.summary.as_dict(), "state": run.state,
                "history": {k: [_num(r.get(k)) for r in rows] for k in keys},
                "files": sorted(f.name for f in run.files())}
    if view == "api":
        r = pt.Api(root).run(run.id)
        rows = r.history(pandas=False)
        return {"id": r.id, "name": r.name, "project": r.project, "group": r.group,
                "job_type": r.job_type, "tags": list(r.tags), "config": r.config,
                "summary": dict(r.summary), "state": r.state,
                "history": {k: [_num(row.get(k)) for row in rows] for k in keys},
                "files": sorted(f.name for f in r.files())}
    if view == "server":
        store = StoreReader(root)
        detail = store.run_detail(run.id)
        doc = detail["run"]
        series = store.series.history(run.id, points=10_000)["series"]
        hist = {k: [_num(v) for v in series[k]["y"]] for k in ("loss", "acc")}
        return {"id": doc["id"], "name": doc["name"], "project": doc["project"], "group": doc["group"],
                "job_type": doc["job_type"], "tags": doc["tags"], "config": doc["config"],
                "summary": doc["summary"], "state": doc["state"],
                "history": hist, "files": sorted(f["name"] for f in detail["files"])}
    src = RunSource(pt.Api(root).run(run.id) if view == "notebook" else run)
    n, cols = StreamTail(src.history_path("history")).read()
    return {"id": src.id, "name": src.name, "project": src.project, "group": src.group,
            "job_type": src.job_type, "tags": list(src.tags), "config": src.config,
            "summary": dict(src.summary), "state": src.state,
            "history": _columns_as_values(cols, keys),
            "files": sorted(p.relative_to(src.files_dir).as_posix()
                            for p in src.files_dir.rglob("*") if p.is_file() and not p.name.startswith("."))}


def expected(run: Any, state: str) -> dict[str, Any]:
    loss = [_num(1.0 / (i + 1) if i != 5 else 2.0) for i in range(STEPS)]
    return {"id": run.id, "name": "views", "project": "p", "group": "g1", "job_type": "train",
            "tags": ["a", "b"], "config": {"lr": 0.01, "net": {"depth": 3}}, "state": state,
            "history": {"loss": loss, "acc": [_num(i / STEPS) for i in range(STEPS)],
                        "note": [f"step {i}" if i % 10 == 0 else None for i in range(STEPS)]}}


def check(got: dict, want: dict, view: str, summary_fields: Callable[[dict], None] | None = None) -> None:
    for q in ("id", "name", "project", "group", "job_type", "tags", "config", "state"):
        assert got[q] == want[q], f"{view}: {q} is {got[q]!r}, the run says {want[q]!r}"
    for k, values in got["history"].items():
        assert values == want["history"][k], f"{view}: history of {k!r} differs"
    assert set(got["history"]) >= {"loss", "acc"}, view
    if summary_fields is not None:
        summary_fields(got["summary"])


@pytest.mark.parametrize("view", VIEWS)
def test_a_running_run_answers_the_same(recorded, view):
    run, seen = recorded
    # the bookkeeper saves the record every 2 s: wait until the stored one is current
    deadline = time.monotonic() + 20
    while pt.Api(run.root).run(run.id).summary.get("best") != "yes":
        assert time.monotonic() < deadline, "the running run's record was never saved"
        time.sleep(0.1)
    got = answers(view, run, seen)
    check(got, expected(run, "running"), view)
    assert "weights.txt" in got["files"], view


@pytest.mark.parametrize("view", VIEWS)
def test_a_finished_run_answers_the_same(recorded, view):
    run, seen = recorded
    run.finish()
    got = answers(view, run, seen)

    def summary(s: dict) -> None:
        assert s["loss"] == {"min": pytest.approx(1.0 / STEPS)}, f"{view}: summary loss {s['loss']!r}"
        assert s["acc"] == pytest.approx((STEPS - 1) / STEPS), view
        assert s["best"] == "yes", view
    check(got, expected(run, "finished"), view, summary)
    assert "weights.txt" in got["files"], view
    live_files = answers("live", run, seen)["files"]
    assert got["files"] == live_files, f"{view}: files {got['files']} vs the run's {live_files}"
