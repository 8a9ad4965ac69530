"""Reading back: filters, ordering, projects, reduced histories, files, edits."""
from __future__ import annotations

import numpy as np
import pytest

import py_tracker as wandb


@pytest.fixture
def three_runs(store):
    ids = []
    for lr, group, tags, loss in ((0.1, "a", ["best"], 0.5), (0.01, "a", [], 0.2), (0.001, "b", ["x"], 0.9)):
        run = wandb.init(project="f", group=group, tags=tags, config={"lr": lr, "opt": {"name": "sgd"}})
        wandb.log({"loss": loss})
        run.finish()
        ids.append(run.id)
    return ids


def test_filters_mongo_style(three_runs):
    api = wandb.Api()
    ids = three_runs
    got = lambda f: sorted(r.id for r in api.runs("f", filters=f))  # noqa: E731
    assert got({"config.lr": {"$gt": 0.005}}) == sorted(ids[:2])
    assert got({"group": "b"}) == [ids[2]]
    assert got({"tags": {"$in": ["best", "x"]}}) == sorted([ids[0], ids[2]])
    assert got({"summary_metrics.loss": {"$lt": 0.6}, "state": "finished"}) == sorted(ids[:2])
    assert got({"$or": [{"group": "b"}, {"config.lr": 0.1}]}) == sorted([ids[0], ids[2]])
    assert got({"config.opt.name": {"$regex": "^sg"}}) == sorted(ids)
    assert got({"config.missing": {"$exists": False}}) == sorted(ids)
    with pytest.raises(ValueError, match="unknown filter operator"):
        api.runs("f", filters={"config.lr": {"$bogus": 1}})


def test_order_and_projects(three_runs):
    api = wandb.Api()
    assert [r.id for r in api.runs("f", order="+summary.loss")] == [three_runs[1], three_runs[0], three_runs[2]]
    assert [r.id for r in api.runs("f")] == three_runs                # W&B's default "+created_at": oldest first
    assert [r.id for r in api.runs("f", order="-created_at")] == three_runs[::-1]
    (p,) = api.projects()
    assert p["name"] == "f" and p["run_count"] == 3
    assert api.run(f"f/{three_runs[0]}").id == three_runs[0]
    assert api.run(f"someone/f/runs/{three_runs[0]}").id == three_runs[0]
    with pytest.raises(ValueError, match="no run"):
        api.run("f/doesnotexist")


def test_history_samples_keep_min_and_max(store):
    run = wandb.init()
    y = np.sin(np.arange(20000) / 100.0)
    y[777] = 9.0
    for v in y:
        wandb.log({"y": float(v)})
    run.finish()
    r = wandb.Api().run(run.id)
    full = r.history()
    small = r.history(samples=500)
    assert len(full) == 20000 and len(small) <= 520
    assert small["y"].max() == 9.0 and small["y"].min() == full["y"].min()
    assert list(r.history(keys=["y"], min_step=10, max_step=20)["_step"]) == list(range(10, 20))  # max exclusive
    rows = r.history(pandas=False, keys=["y"])
    assert len(rows) == 20000 and rows[777]["y"] == 9.0
    assert sum(1 for _ in r.scan_history(keys=["y"], min_step=100, max_step=200)) == 100  # max exclusive (W&B)


def test_files_update_delete(store):
    run = wandb.init(project="e")
    wandb.log({"a": 1})
    run.finish()
    r = wandb.Api().run(run.id)
    names = [f.name for f in r.files()]
    assert "summary.json" in names and "config.yaml" in names
    out = r.file("summary.json").download(store / "out")
    assert out.read_text().strip().startswith("{")
    with pytest.raises(FileExistsError):
        r.file("summary.json").download(store / "out")
    with pytest.raises(Exception, match="outside|'\\.\\.'"):
        r.file("../../catalog.json")
    r.update(name="renamed", tags=["t1"], notes="hello")
    again = wandb.Api().run(run.id)
    assert (again.name, again.tags, again.notes) == ("renamed", ["t1"], "hello")
    again.delete()
    assert wandb.Api().runs("e") == [] and not again.run_dir.exists()


def test_deleting_a_running_run_is_refused(store):
    run = wandb.init()
    with pytest.raises(RuntimeError, match="running"):
        wandb.Api().run(run.id).delete()
