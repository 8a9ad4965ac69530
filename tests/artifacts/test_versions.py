"""Versions, dedup by content, aliases moving, delete rules, Api access — on real stores."""
from __future__ import annotations

from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.artifacts import Artifact, list_artifacts, load_artifact, run_log_artifact, run_use_artifact
from py_tracker.artifacts.blobs import BlobStore
from py_tracker.errors import UsageError


def _model(tmp_path: Path, content: str, name: str = "model") -> Artifact:
    f = tmp_path / f"weights-{abs(hash(content))}.bin"
    f.write_text(content)
    art = Artifact(name, "model")
    art.add_file(f, name="weights.bin")
    return art


def test_versions_and_dedup_by_content(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    a0 = run_log_artifact(run, _model(tmp_path, "one"))
    assert (a0.version, a0.aliases) == ("v0", ["latest"])
    same = run_log_artifact(run, _model(tmp_path, "one"))
    assert same.version == "v0" and same.digest == a0.digest
    a1 = run_log_artifact(run, _model(tmp_path, "two"))
    assert a1.version == "v1" and a1.aliases == ["latest"]
    again = run_log_artifact(run, _model(tmp_path, "one"))  # old content: no new version
    assert again.version == "v0"
    api = pt.Api(root)
    assert api.artifact("p/model:latest").version == "v1"
    assert [a.version for a in api.artifacts("p", "model")] == ["v1", "v0"]
    assert api.artifacts("p", "dataset") == []
    # the two versions share nothing; identical files are stored once
    art = Artifact("model", "model")
    art.add_file(tmp_path / f"weights-{abs(hash('two'))}.bin", name="weights.bin")
    art.add_file(tmp_path / f"weights-{abs(hash('two'))}.bin", name="copy.bin")
    a2 = run_log_artifact(run, art)
    assert a2.version == "v2"
    blobs = list((root / "artifacts" / "blobs").rglob("*"))
    assert len([b for b in blobs if b.is_file()]) == 2


def test_aliases_move_between_versions(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    run_log_artifact(run, _model(tmp_path, "a"), aliases=["best", "production"])
    v1 = run_log_artifact(run, _model(tmp_path, "b"), aliases=["best"])
    api = pt.Api(root)
    assert api.artifact("p/model:best").version == "v1"
    assert api.artifact("p/model:production").version == "v0"
    assert api.artifact("p/model:v0").aliases == ["production"]
    assert sorted(v1.aliases) == ["best", "latest"]
    # aliases edited on a stored version and saved move too
    v0 = api.artifact("p/model:v0")
    v0.aliases.append("best")
    v0.description = "back to the first"
    v0.save()
    assert api.artifact("p/model:best").version == "v0"
    assert api.artifact("p/model:best").description == "back to the first"
    assert api.artifact("p/model:v1").aliases == ["latest"]
    # use_artifact can add an alias too
    r2 = new_run()
    run_use_artifact(r2, "model:v1", aliases=["staging"])
    assert api.artifact("p/model:staging").version == "v1"
    with pytest.raises(UsageError, match="no version or alias"):
        api.artifact("p/model:nope")


def test_type_must_match(new_run, tmp_path: Path) -> None:
    run = new_run()
    run_log_artifact(run, _model(tmp_path, "a"))
    art = Artifact("model", "dataset")
    art.add_file(tmp_path / f"weights-{abs(hash('a'))}.bin")
    with pytest.raises(UsageError, match="has type 'model'"):
        run_log_artifact(run, art)
    with pytest.raises(UsageError, match="not 'dataset'"):
        run_use_artifact(run, "model:latest", type="dataset")


def test_delete_refuses_while_aliased_and_collects_blobs(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    run_log_artifact(run, _model(tmp_path, "a"), aliases=["best"])
    run_log_artifact(run, _model(tmp_path, "b"))
    api = pt.Api(root)
    v0 = api.artifact("p/model:v0")
    with pytest.raises(UsageError, match="has aliases"):
        v0.delete()
    blob = BlobStore(root).blob_path(v0.files()[0].digest)
    assert blob.is_file()
    v0.delete(delete_aliases=True)
    assert not blob.exists()
    with pytest.raises(UsageError, match="no version or alias 'best'"):
        api.artifact("p/model:best")
    v1 = api.artifact("p/model:latest")
    v1.delete(delete_aliases=True)
    assert api.artifacts("p") == []
    # numbering never reuses a deleted version while the artifact exists; a new one starts at v0
    assert run_log_artifact(run, _model(tmp_path, "c")).version == "v0"


def test_stored_version_is_immutable_new_draft_makes_next(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    v0 = run_log_artifact(run, _model(tmp_path, "a"))
    with pytest.raises(UsageError, match="new_draft"):
        v0.add_file(tmp_path / f"weights-{abs(hash('a'))}.bin", name="x")
    d = v0.new_draft()
    with d.new_file("README.txt") as f:
        f.write("added")
    v1 = run_log_artifact(run, d)
    assert v1.version == "v1"
    assert [f.name for f in v1.files()] == ["README.txt", "weights.bin"]
    assert v1.files()[1].digest == v0.files()[0].digest


def test_log_path_and_reference_shortcuts(root: Path, new_run, data_dir: Path) -> None:
    run = new_run()
    a = run_log_artifact(run, data_dir / "train.csv", type="dataset")
    assert (a.base_name, a.type, [f.name for f in a.files()]) == ("train.csv", "dataset", ["train.csv"])
    b = run_log_artifact(run, data_dir, name="raw", type="dataset")
    assert b.file_count == 2
    c = run_log_artifact(run, "s3://bucket/big.parquet", name="remote", type="dataset")
    assert c.files()[0].ref == "s3://bucket/big.parquet"
    d = c.download(root.parent / "dl")  # references to remote URIs are recorded, not fetched
    assert list(d.iterdir()) == []
    assert load_artifact(pt.Api(root), "p/raw:v0").size == b.size
    assert len(list_artifacts(pt.Api(root))) == 3


def test_module_level_functions_need_an_active_run(root: Path, new_run, tmp_path: Path) -> None:
    from py_tracker.artifacts import log_artifact, use_artifact
    from py_tracker.core import session
    from py_tracker.errors import NoActiveRunError
    session._active = None
    with pytest.raises(NoActiveRunError, match="init"):
        log_artifact(_model(tmp_path, "a"))
    run = pt.init(dir=root, project="p", settings={"monitor_interval": None, "capture_output": False,
                                                   "display": False, "save_code": False})
    try:
        art = log_artifact(_model(tmp_path, "a"))
        assert use_artifact("model").version == art.version
        assert pt.Api(root).artifact("p/model:v0").used_by()[0].id == run.id
    finally:
        run.finish()
    with pytest.raises(NoActiveRunError):
        use_artifact("model")


def test_disabled_run_records_nothing(tmp_path: Path) -> None:
    run = pt.init(mode="disabled")
    try:
        art = run_log_artifact(run, _model(tmp_path, "a"))
        assert art.is_draft()
    finally:
        run.finish()


def test_media_objects_round_trip(root: Path, new_run) -> None:
    import pandas as pd
    table = pt.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]])
    art = Artifact("preds", "predictions")
    entry = art.add(table, "val_table")
    assert entry.name == "val_table.table-file.json"
    stored = run_log_artifact(new_run(), art)
    got = pt.Api(root).artifact("p/preds:latest").get("val_table")
    assert isinstance(got, pt.Table) and got.get_column("a") == [1, 2]  # a Table, as W&B's artifact.get
    df = got.get_dataframe()
    assert isinstance(df, pd.DataFrame) and list(df["b"]) == ["x", "y"]
    assert stored.verify()
    with pytest.raises(UsageError, match="media object"):
        Artifact("x", "y").add(object(), "nope")


def test_finished_run_cannot_use_or_log(new_run, tmp_path: Path) -> None:
    run = new_run()
    run_log_artifact(run, _model(tmp_path, "a"))
    run.finish()
    with pytest.raises(UsageError, match="has finished"):
        run_use_artifact(run, "model:latest")
    with pytest.raises(UsageError, match="has finished"):
        run_log_artifact(run, _model(tmp_path, "b"))
