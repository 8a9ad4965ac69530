"""Lineage across three runs: dataset -> training run -> model -> evaluation run."""
from __future__ import annotations

from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.artifacts import Artifact, lineage, run_log_artifact, run_use_artifact
from py_tracker.errors import UsageError


def _pipeline(new_run, tmp_path: Path):
    prep = new_run(job_type="prep")
    ds = Artifact("digits", "dataset")
    with ds.new_file("train.csv") as f:
        f.write("1,2\n")
    run_log_artifact(prep, ds)
    prep.finish()
    train = new_run(job_type="train")
    run_use_artifact(train, "digits:latest", type="dataset")
    model = Artifact("clf", "model")
    with model.new_file("model.pkl", mode="wb") as f:
        f.write(b"\x00weights")
    run_log_artifact(train, model, aliases=["best"])
    train.finish()
    evaluate = new_run(job_type="eval")
    run_use_artifact(evaluate, "clf:best")
    evaluate.finish()
    other = new_run(job_type="train")  # a sibling that also used the dataset
    run_use_artifact(other, "digits:v0")
    other.finish()
    return prep, train, evaluate, other


def _ids(graph: dict) -> set[str]:
    return {n["id"] for n in graph["nodes"]}


def test_lineage_across_three_runs(root: Path, new_run, tmp_path: Path) -> None:
    prep, train, evaluate, other = _pipeline(new_run, tmp_path)
    g = lineage(root, run_id=evaluate.id)
    assert _ids(g) == {f"run:{prep.id}", "artifact:p/digits:v0", f"run:{train.id}", "artifact:p/clf:v0",
                       f"run:{evaluate.id}"}
    edges = {(e["source"], e["target"], e["kind"]) for e in g["edges"]}
    assert edges == {(f"run:{prep.id}", "artifact:p/digits:v0", "output"),
                     ("artifact:p/digits:v0", f"run:{train.id}", "input"),
                     (f"run:{train.id}", "artifact:p/clf:v0", "output"),
                     ("artifact:p/clf:v0", f"run:{evaluate.id}", "input")}
    # downstream of the dataset: both consumers and what they made
    ds = pt.Api(root).artifact("p/digits:v0")
    down = ds.lineage()
    assert {f"run:{train.id}", f"run:{other.id}", f"run:{evaluate.id}", "artifact:p/clf:v0"} <= _ids(down)
    assert f"run:{prep.id}" in _ids(down)
    # depth limits the hops
    assert _ids(lineage(root, artifact="p/clf:best", depth=1)) == {f"run:{train.id}", "artifact:p/clf:v0",
                                                                     f"run:{evaluate.id}"}
    labels = {n["id"]: n for n in g["nodes"]}
    assert labels[f"run:{train.id}"]["job_type"] == "train"
    assert labels["artifact:p/clf:v0"]["aliases"] == ["best", "latest"]
    # logged_by / used_by
    clf = pt.Api(root).artifact("p/clf:latest")
    assert clf.logged_by().id == train.id
    assert [r.id for r in clf.used_by()] == [evaluate.id]
    assert sorted(r.id for r in ds.used_by()) == sorted([train.id, other.id])


def test_whole_store_graph_and_errors(root: Path, new_run, tmp_path: Path) -> None:
    _pipeline(new_run, tmp_path)
    g = lineage(root)
    assert len([n for n in g["nodes"] if n["kind"] == "run"]) == 4
    assert len(g["edges"]) == 5
    lone = new_run()
    assert _ids(lineage(root, run_id=lone.id)) == {f"run:{lone.id}"}
    with pytest.raises(UsageError):
        lineage(root, run_id="nosuchid")
    with pytest.raises(UsageError):
        lineage(root, artifact="p/nope:v0")


def test_lineage_drawings(root: Path, new_run, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    from py_tracker.artifacts import lineage_svg, lineage_text
    prep, train, evaluate, _ = _pipeline(new_run, tmp_path)
    g = lineage(root, run_id=evaluate.id)
    svg = lineage_svg(g, highlight=f"run:{evaluate.id}")
    tree = ET.fromstring(svg)  # well-formed
    xs = {t.text: float(t.get("x")) for t in tree.iter("{http://www.w3.org/2000/svg}text")}
    assert xs["digits:v0"] < xs[train.name[:21] if len(train.name) > 22 else train.name] < xs["clf:v0"]
    assert len(list(tree.iter("{http://www.w3.org/2000/svg}line"))) == 4  # one per edge
    assert f"{prep.name} → digits:v0" in lineage_text(g)
    evil = {"nodes": [{"id": "run:x", "kind": "run", "label": "<script>alert(1)</script>"}], "edges": []}
    assert "<script>" not in lineage_svg(evil)
    assert "No lineage" in lineage_svg({"nodes": [], "edges": []})
