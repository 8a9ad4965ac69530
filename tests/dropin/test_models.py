"""log_model / use_model / link_model / link_artifact, logged_artifacts / used_artifacts,
Api().artifact_versions, Artifact(incremental=True): real runs, a real store."""
from __future__ import annotations

import os

import pytest

import py_tracker as wandb
from py_tracker.errors import UsageError

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def test_log_use_and_link_models(store, tmp_path):
    weights = tmp_path / "model.pt"
    weights.write_bytes(b"weights-1")
    producer = wandb.init(project="m", settings=QUIET)
    art = wandb.log_model(weights, aliases=["best"])
    assert (art.base_name, art.type, art.version) == (f"run-{producer.id}-model.pt", "model", "v0")
    linked = wandb.link_model(weights, "digits-classifier", name="clf", aliases=["production"])
    assert (linked.project, linked.base_name, linked.version) == ("model-registry", "digits-classifier", "v0")
    assert "production" in linked.aliases
    wandb.finish()
    consumer = wandb.init(project="m", settings=QUIET)
    path = wandb.use_model(f"run-{producer.id}-model.pt:best")  # one file: its path (W&B)
    assert isinstance(path, str) and path.endswith("model.pt") and open(path, "rb").read() == b"weights-1"
    reg = consumer.use_artifact("model-registry/digits-classifier:production")
    assert reg.digest == wandb.Api().artifact("m/clf:latest").digest  # same files, nothing copied
    assert [a.base_name for a in consumer.used_artifacts()] == [f"run-{producer.id}-model.pt", "digits-classifier"]
    wandb.finish()
    api = wandb.Api()
    logged = api.run(producer.id).logged_artifacts()
    assert [(a.project, a.base_name) for a in logged] == [("m", f"run-{producer.id}-model.pt"), ("m", "clf"),
                                                         ("model-registry", "digits-classifier")]
    assert [a.base_name for a in api.run(consumer.id).used_artifacts()] == [f"run-{producer.id}-model.pt",
                                                                            "digits-classifier"]
    entry = api.catalog.get("artifacts", "model-registry/digits-classifier")["versions"][0]
    assert entry["linked_from"] == "m/clf:v0"


def test_link_artifact_to_a_collection_and_artifact_versions(store, tmp_path):
    run = wandb.init(project="p", settings=QUIET)
    for i in range(3):
        f = tmp_path / "data.txt"
        f.write_text(f"rows {i}")
        art = wandb.Artifact("data", "dataset")
        art.add_file(str(f))
        run.log_artifact(art)
    run.link_artifact(art, "local/p/golden-data", aliases=["golden"])
    folder_model = tmp_path / "ckpt"
    folder_model.mkdir()
    (folder_model / "a.bin").write_bytes(b"a")
    (folder_model / "b.bin").write_bytes(b"b")
    run.log_model(folder_model, name="two-files")
    folder = run.use_model("two-files:latest")  # several files: the folder
    assert sorted(os.listdir(folder)) == ["a.bin", "b.bin"]
    with pytest.raises(UsageError, match="not a model"):
        run.use_model("data:latest")
    run.finish()
    versions = wandb.Api().artifact_versions("dataset", "p/data")
    assert [v.version for v in versions] == ["v2", "v1", "v0"]
    golden = wandb.Api().artifact("p/golden-data:golden")
    assert (golden.download() / "data.txt").read_text() == "rows 2"
    with pytest.raises(ValueError, match="no artifact 'p/nope'"):
        wandb.Api().artifact_versions("dataset", "p/nope")


def test_incremental_artifact_keeps_previous_files(store, tmp_path):
    run = wandb.init(project="p", settings=QUIET)
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    first = wandb.Artifact("shards", "dataset")
    first.add_file(str(tmp_path / "a.txt"))
    run.log_artifact(first)
    more = wandb.Artifact("shards", "dataset", incremental=True)
    more.add_file(str(tmp_path / "b.txt"))
    run.log_artifact(more)
    (tmp_path / "a.txt").write_text("a2")
    over = wandb.Artifact("shards", "dataset", incremental=True)
    over.add_file(str(tmp_path / "a.txt"))  # a file of the same name replaces the earlier one
    run.log_artifact(over)
    plain = wandb.Artifact("shards", "dataset")
    plain.add_file(str(tmp_path / "b.txt"))
    run.log_artifact(plain)
    run.finish()
    api = wandb.Api()
    names = {v.version: sorted(f.name for f in v.files()) for v in api.artifact_versions("dataset", "p/shards")}
    assert names == {"v0": ["a.txt"], "v1": ["a.txt", "b.txt"], "v2": ["a.txt", "b.txt"], "v3": ["b.txt"]}
    assert (api.artifact("p/shards:v2").download() / "a.txt").read_text() == "a2"
