"""Store roots that cannot be used say why at once, and a run folder moved elsewhere behind a
symlink is still a run: a real read-only tmpfs mount, a real non-root user (os.setuid in a
subprocess: root ignores file modes), a real file where the store should be, real symlinks."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.errors import StorageError

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                    os.environ.get("PYTHONPATH", "")])}


def _run(root: Path, name: str, x: int = 1) -> str:
    run = pt.init(dir=root, project="p", name=name, settings=QUIET, reinit="create_new")
    run.log({"x": x})
    run.finish()
    return run.id


@pytest.fixture
def ro_mount(tmp_path):
    """A real tmpfs at tmp_path/mnt; yields (path, remount_read_only)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("needs root and mount(8) to make a real read-only file system")

    def read_only() -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
    try:
        yield mnt, read_only
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_a_read_only_store_says_so_at_once_and_still_reads(ro_mount, capsys):
    mnt, read_only = ro_mount
    root = mnt / "store"
    rid = _run(root, "kept", 7)
    read_only()
    with pytest.raises(StorageError) as err:
        pt.init(dir=root, project="p", settings=QUIET)
    msg = str(err.value)
    assert "read-only file system" in msg and str(root) in msg
    assert "another process" not in msg and "30 s" not in msg
    api = pt.Api(root)
    [run] = api.runs()
    assert run.id == rid and run.summary["x"] == 7 and [r["x"] for r in run.history(pandas=False)] == [7]
    with pytest.raises(StorageError, match="read-only file system"):
        run.update(name="renamed")
    from py_tracker.cli import main
    assert main(["--dir", str(root), "runs"]) == 0
    assert rid in capsys.readouterr().out


CHILD = textwrap.dedent("""
    import os, sys
    import py_tracker as pt
    from py_tracker.errors import StorageError
    Q = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
    scratch, store = sys.argv[1], sys.argv[2]
    run = pt.init(dir=scratch, project="warm", settings=Q)  # every lazy import, while still root
    run.log({"x": 1}); run.finish(); pt.Api(scratch).runs()[0].history(pandas=False)
    os.setgroups([]); os.setgid(65534); os.setuid(65534)  # nobody: file modes apply now
    try:
        pt.init(dir=store, project="p", settings=Q)
    except StorageError as exc:
        print("REFUSED", exc)
    else:
        print("ACCEPTED")
    print("LISTED", [r.id for r in pt.Api(store).runs()])
""")


def test_a_store_this_user_cannot_write_says_so_at_once(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to the user nobody")
    base = Path(tempfile.mkdtemp(dir="/tmp", prefix="pt-perm-"))  # /tmp/pytest-of-root is 0700
    try:
        os.chmod(base, 0o755)
        store = base / "store"
        rid = _run(store, "mine")
        for d in [store, *[p for p in store.rglob("*") if p.is_dir()]]:
            os.chmod(d, 0o755)  # readable by all, writable by its owner (root) only
        for f in [p for p in store.rglob("*") if p.is_file()]:
            os.chmod(f, 0o644)
        out = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "scratch"), str(store)], env=ENV,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert "REFUSED" in out.stdout and "no permission to write" in out.stdout, out.stdout
        assert "another process" not in out.stdout
        assert f"LISTED ['{rid}']" in out.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("args", [["runs"], ["show", "abc"], ["export", "abc"], ["doctor"], ["doctor", "--check"],
                                  ["rm", "-y", "abc"]])
def test_a_store_path_that_is_a_file_is_one_clear_line_from_the_cli(tmp_path, args):
    path = tmp_path / "not-a-folder"
    path.write_text("I am a file")
    for root in (path, path / "below"):
        out = subprocess.run([sys.executable, "-m", "py_tracker.cli", "--dir", str(root), *args], env=ENV,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        assert "Traceback" not in out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "is a file, not a folder" in lines[0]
        assert str(path) in lines[0]
    assert path.read_text() == "I am a file"


def test_init_on_a_file_names_it(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    with pytest.raises(StorageError, match=r"store path .*not-a-folder is a file, not a folder"):
        pt.init(dir=path, project="p", settings=QUIET)


def test_a_run_folder_moved_behind_a_symlink_is_still_listed_and_read(tmp_path):
    root, other = tmp_path / "store", tmp_path / "other-disk"
    other.mkdir()
    ids = {name: _run(root, name, x) for name, x in (("stays", 1), ("moved", 2), ("lost", 3))}
    moved = root / "runs" / ids["moved"]
    shutil.move(str(moved), other / moved.name)
    os.symlink(other / moved.name, moved)
    lost = root / "runs" / ids["lost"]
    shutil.rmtree(lost)
    os.symlink(tmp_path / "unmounted-disk" / lost.name, lost)  # its disk is gone

    runs = {r.name: r for r in pt.Api(root).runs()}
    assert set(runs) == {"stays", "moved", "lost"}
    assert [r["x"] for r in runs["stays"].history(pandas=False)] == [1]
    assert [r["x"] for r in runs["moved"].history(pandas=False)] == [2]  # its target is readable
    assert runs["moved"].state == "finished" and runs["moved"].summary["x"] == 2
    assert {f.name for f in runs["moved"].files()} >= {"config.yaml"}
    # the unreachable one: listed from the catalog, and reading it says why instead of "empty"
    assert runs["lost"].state == "finished" and runs["lost"].summary["x"] == 3
    with pytest.raises(StorageError, match="symlink.*cannot be reached"):
        runs["lost"].history(pandas=False)
    with pytest.raises(StorageError, match="cannot be reached"):
        runs["lost"].files()
