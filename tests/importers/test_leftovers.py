"""What an interrupted import can leave on disk is removed by the next import, and nothing else."""
from __future__ import annotations

import subprocess
import sys

from py_tracker.api import Api
from py_tracker.importers import import_runs
from py_tracker.importers.base import MARKER, STAGING


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leftovers_of_a_dead_importer_go_and_other_folders_stay(tb_dir, root):
    import py_tracker as pt
    live = pt.init(project="mine", dir=root, settings={"display": False, "monitor_interval": None,
                                                        "capture_output": False, "save_code": False})
    live.log({"x": 1})
    live.finish()
    dead = _dead_pid()
    # killed between moving its run into runs/ and writing the catalog:
    half = root / "runs" / "halfdone"
    (half / "files").mkdir(parents=True)
    (half / "history.jsonl").write_bytes(b"")
    (half / MARKER).write_text(str(dead))
    # killed while staging:
    staged = root / STAGING / f"{dead}-abc"
    (staged / "files").mkdir(parents=True)
    (staged / "owner").write_text(f"{dead} None")
    runs = import_runs("tensorboard", tb_dir / "logs", dir=root, quiet=True)
    assert len(runs) == 3
    assert not half.exists() and not staged.exists()
    assert (root / "runs" / live.id / "history.jsonl").exists()
    assert len(Api(root).runs()) == 4
    assert not any((d / MARKER).exists() for d in (root / "runs").iterdir())


def test_a_bad_project_name_is_an_error(tb_dir, root):
    import pytest
    with pytest.raises(ValueError, match="project name 'a/b' is invalid"):
        import_runs("tensorboard", tb_dir / "logs", project="a/b", dir=root, quiet=True)
