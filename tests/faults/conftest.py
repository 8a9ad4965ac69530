"""Fixtures of the fault-injection suite: faults are real (a full tmpfs, kill -9, SIGSTOP)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


class SmallDisk:
    """A real tmpfs of a few MiB mounted for one test; `fill()` takes all its space, `free()` gives it back."""

    def __init__(self, path: Path):
        self.path = path
        self.filler = path / "filler"

    def fill(self) -> None:
        with open(self.filler, "ab", buffering=0) as f:
            for size in (1 << 16, 4096, 1):
                try:
                    while True:
                        f.write(b"\0" * size)
                except OSError:
                    pass

    def free(self) -> None:
        self.filler.unlink()


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    """SmallDisk on a 4 MiB tmpfs (we run as root in CI); skipped, saying why, where mount is refused.
    Output capture, code saving and the monitor are off so only history and catalog write there."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], check=False,
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"mount -t tmpfs refused here: {res.stderr.strip()}")
    for var, value in (("PY_TRACKER_MONITOR_INTERVAL", "0"), ("PY_TRACKER_CAPTURE_OUTPUT", "0"),
                       ("PY_TRACKER_SAVE_CODE", "0"), ("PY_TRACKER_DISPLAY", "0")):
        monkeypatch.setenv(var, value)
    try:
        yield SmallDisk(mnt)
    finally:
        from py_tracker.core import session
        run = session.active_run()
        if run is not None:  # a test that failed midway: give the space back so the run can end
            try:
                if (mnt / "filler").exists():
                    (mnt / "filler").unlink()
                run.finish()
            except Exception:
                pass
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def py_proc(code: str, root: Path, *args: str, **kw) -> subprocess.Popen:
    """A Python subprocess using this checkout and the store `root`, stdin/stdout as text pipes."""
    env = dict(os.environ, PY_TRACKER_DIR=str(root), PYTHONPATH=str(REPO), PY_TRACKER_MONITOR_INTERVAL="0",
               PY_TRACKER_CAPTURE_OUTPUT="0", PY_TRACKER_SAVE_CODE="0")
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
