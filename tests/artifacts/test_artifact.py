"""Building drafts: add_file/add_dir/add_reference/new_file/remove, names and paths validated."""
from __future__ import annotations

from pathlib import Path

import pytest

from py_tracker.artifacts import Artifact
from py_tracker.artifacts.names import check_aliases, entry_path, parse_ref
from py_tracker.errors import PathEscapeError, UsageError


def test_add_dir_file_new_file_and_remove(data_dir: Path) -> None:
    art = Artifact("digits", "dataset", description="d", metadata={"rows": 2})
    art.add_dir(data_dir, name="raw")
    art.add_file(data_dir / "train.csv", name="top/train.csv")
    with art.new_file("notes.md") as f:
        f.write("# hi")
    assert art.manifest_names() == ["notes.md", "raw/sub/labels.txt", "raw/train.csv", "top/train.csv"]
    art.remove("raw/sub")
    assert "raw/sub/labels.txt" not in art.manifest_names()
    with pytest.raises(UsageError, match="no file or folder"):
        art.remove("nope")
    with pytest.raises(UsageError, match="already has a file"):
        art.add_file(data_dir / "train.csv", name="top/train.csv")
    art.add_file(data_dir / "train.csv", name="top/train.csv", overwrite=True)
    with pytest.raises(UsageError, match="both a file and a folder"):
        art.add_file(data_dir / "train.csv", name="top")
    assert art.is_draft() and art.version is None and art.state == "PENDING"


@pytest.mark.parametrize("bad", ["", "a b", "a/b", "..", "x:y", "<img>", "ü"])
def test_names_are_validated(bad: str) -> None:
    with pytest.raises(UsageError, match="not valid"):
        Artifact(bad, "dataset")


def test_types_and_aliases_are_validated() -> None:
    with pytest.raises(UsageError):
        Artifact("ok", "data set")
    with pytest.raises(UsageError, match="version number"):
        check_aliases(["v3"])
    assert check_aliases(["best", "latest", "best"]) == ["best"]
    with pytest.raises(UsageError):
        check_aliases("a b")


@pytest.mark.parametrize("bad", ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\..\\..\\x"])
def test_paths_cannot_escape(bad: str, data_dir: Path) -> None:
    with pytest.raises(PathEscapeError):
        entry_path(bad)
    art = Artifact("ok", "dataset")
    with pytest.raises(PathEscapeError):
        art.add_file(data_dir / "train.csv", name=bad)
    with pytest.raises(PathEscapeError):
        with art.new_file(bad) as f:
            f.write("x")


def test_entry_path_normalizes() -> None:
    assert entry_path("./a//b/./c.txt") == "a/b/c.txt"
    assert entry_path("a\\b.txt") == "a/b.txt"


def test_references(tmp_path: Path, data_dir: Path) -> None:
    art = Artifact("refs", "dataset")
    art.add_reference((data_dir / "train.csv").as_uri())
    art.add_reference("s3://bucket/path/model.pt")
    art.add_reference(data_dir.as_uri(), name="all")
    assert art.manifest_names() == ["all/sub/labels.txt", "all/train.csv", "model.pt", "train.csv"]
    with pytest.raises(UsageError, match="URI"):
        art.add_reference(str(data_dir))
    with pytest.raises(UsageError, match="no such file"):
        art.add_reference((tmp_path / "missing").as_uri())


def test_bad_inputs_have_clear_errors(tmp_path: Path) -> None:
    art = Artifact("x", "dataset")
    with pytest.raises(UsageError, match="no such file"):
        art.add_file(tmp_path / "missing.txt")
    with pytest.raises(UsageError, match="no such folder"):
        art.add_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="no files"):
        art.add_dir(tmp_path / "empty")
    with pytest.raises(UsageError, match="metadata must be a dict"):
        Artifact("x", "dataset", metadata=[1])
    with pytest.raises(UsageError, match="has not been logged"):
        art.files()


def test_parse_ref() -> None:
    assert parse_ref("ds") == (None, "ds", "latest")
    assert parse_ref("ds:v3", "p") == ("p", "ds", "v3")
    assert parse_ref("proj/ds:best") == ("proj", "ds", "best")
    assert parse_ref("ent/proj/ds:best") == ("proj", "ds", "best")
    with pytest.raises(UsageError):
        parse_ref("a/b/c/d")
