"""An import killed with SIGKILL mid-run leaves no half run; the next import finishes it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from py_tracker.api import Api
from py_tracker.importers import import_runs
from py_tracker.storage.catalog import Catalog

from .conftest import make

POINTS = 150_000


def test_kill_9_mid_import_leaves_no_half_run(tmp_path, root):
    logs = tmp_path / "logs"
    make("make_tensorboard.py", str(logs), str(POINTS), timeout=600)
    proc = subprocess.Popen([sys.executable, "-m", "py_tracker.cli", "--dir", str(root), "import",
                             "tensorboard", str(logs), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    staging = root / ".imports"
    deadline = time.monotonic() + 120
    # wait until the first run is being read (staged), then kill the importer outright
    while not (staging.is_dir() and any(staging.iterdir())):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert any(staging.iterdir())  # it really died mid-import, with a run staged
    rows_of = {"train": POINTS, "eval": POINTS // 10, "eval/hp": 1}
    catalog_runs = Catalog(root).all("runs")
    for r in catalog_runs:  # a run in the catalog is a whole run
        assert len(list(Api(root).run(r["id"]).scan_history())) == rows_of[r["name"]]
    committed = {r["id"] for r in catalog_runs}
    folders = {d.name for d in (root / "runs").iterdir()} if (root / "runs").exists() else set()
    assert folders == committed  # and no run folder exists without its record

    again = import_runs("tensorboard", logs, dir=root, quiet=True)
    assert not any(staging.iterdir())  # the dead importer's staging folder is gone
    names = {r.name: r for r in Api(root).runs()}
    assert set(names) == {"train", "eval", "eval/hp"}
    assert len(again) == 3 - len(committed)
    loss = [row for row in names["train"].scan_history() if "loss" in row]
    assert len(loss) == POINTS and [row["_step"] for row in loss] == list(range(POINTS))
