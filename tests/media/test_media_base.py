"""Media file names: keys are sanitised, files never leave the run's folder, writes are atomic."""
from __future__ import annotations

import os

import numpy as np
import pytest

from py_tracker.errors import PathEscapeError, UsageError
from py_tracker.media import Image, Table, from_json, is_media_json, safe_key
from py_tracker.media.base import media_path


@pytest.mark.parametrize(
    "key, expected",
    [
        ("train/img", "train_img"),
        ("../../etc/passwd", "etc_passwd"),
        ("/abs/path", "abs_path"),
        ("..", "media"),
        ("", "media"),
        (".hidden", "hidden"),
        ("ünïcode key", "n_code_key"),
        ("a\x00b", "a_b"),
    ],
)
def test_safe_key(key, expected):
    assert safe_key(key) == expected


@pytest.mark.parametrize("key", ["../../x", "/etc/passwd", "a/../../../b", "..\\..\\win", "x" * 500])
def test_written_files_stay_inside_files_dir(tmp_path, key):
    files = tmp_path / "files"
    d = Image(np.zeros((2, 2), dtype=np.uint8)).to_json(files, key, 0)
    target = (files / d["path"]).resolve()
    assert target.is_file()
    assert str(target).startswith(str(files.resolve()) + os.sep)
    assert list(tmp_path.iterdir()) == [files]
    assert len(os.path.basename(d["path"])) < 120


def test_symlinked_media_dir_pointing_out_is_refused(tmp_path):
    files, outside = tmp_path / "files", tmp_path / "outside"
    files.mkdir()
    outside.mkdir()
    (files / "media").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathEscapeError):
        Image(np.zeros((2, 2), dtype=np.uint8)).to_json(files, "k", 0)
    assert list(outside.iterdir()) == []


def test_reading_back_refuses_escaping_paths(tmp_path):
    (tmp_path / "secret.png").write_bytes(b"x")
    files = tmp_path / "files"
    files.mkdir()
    with pytest.raises(PathEscapeError):
        from_json({"_type": "image-file", "path": "../secret.png"}, files)
    with pytest.raises(PathEscapeError):
        from_json({"_type": "table-file", "path": str(tmp_path / "secret.png")}, files)
    with pytest.raises(UsageError, match="unknown media type"):
        from_json({"_type": "video"}, files)


def test_no_temp_files_left_and_same_content_same_file(tmp_path):
    t = Table(columns=["a"], data=[[1]])
    d1, d2 = t.to_json(tmp_path, "t", 1), t.to_json(tmp_path, "t", 1)
    assert d1 == d2
    names = [p.name for p in (tmp_path / "media" / "table").iterdir()]
    assert names == [os.path.basename(d1["path"])]
    assert is_media_json(d1) and not is_media_json({"_type": "nope"}) and not is_media_json(3)
    path, rel = media_path(tmp_path, "images", "k/x", 7, "abc", ".png")
    assert rel == "media/images/k_x_7_abc.png" and path == tmp_path / rel
