"""Run.lineage() / ApiRun.lineage() go through the artifacts graph."""
from __future__ import annotations

import py_tracker as pt


def test_run_and_apirun_lineage(store, tmp_path):
    data = tmp_path / "d.txt"
    data.write_text("rows")
    producer = pt.init(project="lin")
    art = pt.Artifact("ds", type="dataset")
    art.add_file(str(data))
    producer.log_artifact(art)
    producer.finish()
    consumer = pt.init(project="lin")
    consumer.use_artifact("ds:latest")
    live = consumer.lineage()
    consumer.finish()
    graph = pt.Api().run(consumer.id).lineage()
    ids = lambda g: {n.get("id") for n in g["nodes"]}  # noqa: E731
    assert ids(graph) == ids(live) and len(graph["edges"]) >= 2
    disabled = pt.init(mode="disabled")
    assert disabled.lineage() == {"nodes": [], "edges": []}
