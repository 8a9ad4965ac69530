"""FileSaver and list_files with real files, folders and symlinks."""
from __future__ import annotations

import os
import time

import pytest

from py_tracker.errors import PathEscapeError, UsageError
from py_tracker.files import FileSaver, list_files


@pytest.fixture
def work(tmp_path, monkeypatch):
    """A working directory with some output files, and an empty run files folder."""
    cwd = tmp_path / "work"
    (cwd / "outputs" / "ckpt").mkdir(parents=True)
    (cwd / "outputs" / "a.txt").write_text("A")
    (cwd / "outputs" / "b.txt").write_text("BB")
    (cwd / "outputs" / "ckpt" / "model.pt").write_bytes(b"\x00" * 100)
    monkeypatch.chdir(cwd)
    files = tmp_path / "run" / "files"
    files.mkdir(parents=True)
    return cwd, files


def names(files):
    return [f["name"] for f in list_files(files)]


def test_relative_glob_keeps_its_path(work):
    cwd, files = work
    saver = FileSaver(files)
    got = saver.save("outputs/*.txt", policy="now")
    assert got == [str(files / "outputs/a.txt"), str(files / "outputs/b.txt")]
    assert (files / "outputs" / "b.txt").read_text() == "BB"
    assert names(files) == ["outputs/a.txt", "outputs/b.txt"]


def test_base_path_and_recursive_glob(work):
    cwd, files = work
    saver = FileSaver(files)
    saver.save("outputs/**/*", base_path="outputs", policy="now")
    assert names(files) == ["a.txt", "b.txt", "ckpt/model.pt"]


def test_absolute_glob_keeps_one_folder_level(work):
    cwd, files = work
    FileSaver(files).save(str(cwd / "outputs" / "ckpt" / "*.pt"), policy="now")
    assert names(files) == ["ckpt/model.pt"]
    FileSaver(files).save(str(cwd / "outputs" / "a.txt"), base_path=str(cwd), policy="now")
    assert "outputs/a.txt" in names(files)


def test_list_files_sizes_and_mtimes(work):
    cwd, files = work
    FileSaver(files).save("outputs/**/*", policy="now")
    listing = {f["name"]: f for f in list_files(files)}
    assert listing["outputs/ckpt/model.pt"]["size"] == 100
    src_mtime = os.stat(cwd / "outputs" / "a.txt").st_mtime
    assert abs(listing["outputs/a.txt"]["mtime"] - src_mtime) < 1e-3  # copy2 keeps mtime


def test_live_policy_picks_up_changes_until_close(work):
    cwd, files = work
    src = cwd / "outputs" / "a.txt"
    saver = FileSaver(files)
    saver.save("outputs/a.txt")  # default policy: live
    assert (files / "outputs/a.txt").read_text() == "A"
    assert saver.poll() == []  # unchanged: nothing copied
    src.write_text("A, longer now")
    assert saver.poll() == ["outputs/a.txt"]
    assert (files / "outputs/a.txt").read_text() == "A, longer now"
    # same size, new mtime
    src.write_text("B, longer now")
    os.utime(src, ns=(time.time_ns(), time.time_ns() + 10**9))
    saver.poll()
    assert (files / "outputs/a.txt").read_text() == "B, longer now"
    src.write_text("final")
    saver.close()
    assert (files / "outputs/a.txt").read_text() == "final"
    src.write_text("after finish")
    assert saver.poll() == []
    assert (files / "outputs/a.txt").read_text() == "final"
    with pytest.raises(UsageError, match="finished"):
        saver.save("outputs/b.txt")


def test_live_file_created_later(work):
    cwd, files = work
    saver = FileSaver(files)
    saver.save("results.csv")
    assert names(files) == []
    (cwd / "results.csv").write_text("x,y\n")
    assert saver.poll() == ["results.csv"]
    assert saver.watched == ["results.csv"]


def test_now_policy_does_not_follow_changes(work):
    cwd, files = work
    saver = FileSaver(files)
    saver.save("outputs/a.txt", policy="now")
    (cwd / "outputs" / "a.txt").write_text("changed")
    saver.poll()
    saver.close()
    assert (files / "outputs/a.txt").read_text() == "A"


def test_end_policy_copies_at_close_even_if_created_later(work):
    cwd, files = work
    saver = FileSaver(files)
    assert saver.save("final/*.bin", policy="end") == []
    saver.save("model.onnx", policy="end")
    (cwd / "final").mkdir()
    (cwd / "final" / "w.bin").write_bytes(b"123")
    (cwd / "model.onnx").write_bytes(b"onnx")
    assert names(files) == []
    assert sorted(saver.close()) == ["final/w.bin", "model.onnx"]
    assert names(files) == ["final/w.bin", "model.onnx"]


def test_glob_above_base_is_rejected(work):
    cwd, files = work
    (cwd.parent / "logs").mkdir()
    (cwd.parent / "logs" / "x.log").write_text("x")
    saver = FileSaver(files)
    with pytest.raises(PathEscapeError, match="base_path"):
        saver.save("../logs/*.log")
    with pytest.raises(PathEscapeError, match="base_path"):
        saver.save(str(cwd / "outputs" / "a.txt"), base_path=str(cwd / "outputs" / "ckpt"))
    assert names(files) == []
    saver.save("../logs/*.log", base_path="..", policy="now")
    assert names(files) == ["logs/x.log"]


def test_symlink_out_of_files_dir_is_rejected(work, tmp_path):
    cwd, files = work
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, files / "outputs")
    with pytest.raises(PathEscapeError, match="outputs/a.txt"):
        FileSaver(files).save("outputs/*.txt", policy="now")
    assert list(outside.iterdir()) == []


def test_symlink_at_destination_file_is_rejected(work, tmp_path):
    cwd, files = work
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (files / "outputs").mkdir()
    os.symlink(victim, files / "outputs" / "a.txt")
    with pytest.raises(PathEscapeError):
        FileSaver(files).save("outputs/a.txt", policy="now")
    assert victim.read_text() == "keep me"


def test_source_symlink_is_copied_as_content(work):
    cwd, files = work
    os.symlink(cwd / "outputs" / "b.txt", cwd / "link.txt")
    FileSaver(files).save("link.txt", policy="now")
    assert (files / "link.txt").read_text() == "BB" and not (files / "link.txt").is_symlink()


def test_saving_the_runs_own_files_is_a_no_op(work):
    cwd, files = work
    (files / "notes.txt").write_text("n")
    got = FileSaver(files).save(str(files / "*.txt"), base_path=str(files), policy="now")
    assert got == [str(files / "notes.txt")] and names(files) == ["notes.txt"]


@pytest.mark.parametrize("bad", [None, "", 3])
def test_bad_arguments(work, bad):
    cwd, files = work
    with pytest.raises(UsageError, match="glob"):
        FileSaver(files).save(bad)
    with pytest.raises(UsageError, match="policy"):
        FileSaver(files).save("outputs/a.txt", policy="sometimes")


def test_no_match_logs_and_returns_empty(work, caplog):
    cwd, files = work
    assert FileSaver(files).save("nothing/*.xyz", policy="now") == []
    assert "matched no file" in caplog.text


def test_list_files_skips_temporaries_and_symlinks(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_text("f")
    (tmp_path / ".f.txt.123.pt-tmp").write_text("half")
    os.symlink("/etc/hostname", tmp_path / "link")
    assert list_files(tmp_path) == [{"name": "sub/f.txt", "size": 1,
                                     "mtime": (tmp_path / "sub" / "f.txt").stat().st_mtime}]
