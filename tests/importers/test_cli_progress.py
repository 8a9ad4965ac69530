"""`py-tracker import` as a user runs it on a terminal: the real CLI in a subprocess on a pty
(so tqdm sees a terminal), with TensorBoard logs written by torch's SummaryWriter. The
progress bar appears and counts rows while a big run imports; the summary names the runs,
rows and files, and a second import lists every run as skipped because already imported."""
from __future__ import annotations

import fcntl
import itertools
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from py_tracker.api import Api

from .conftest import make

CLI = str(Path(sys.executable).with_name("py-tracker"))  # the console script a user types
BIG = 60_000  # points of the "train/loss" tag: more than one history chunk (CHUNK_ROWS = 50,000)


def _cli_on_pty(args: list[str], env: dict, timeout: float = 240.0) -> tuple[int, str]:
    """Run `py-tracker ARGS` with stdout and stderr on a 120-column pty."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen([CLI, *args], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            out += data
        rc = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return rc, out.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def big_tb(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("tb-big")
    make("make_tensorboard.py", str(base / "logs"), str(BIG))
    return base / "logs"


def test_cli_shows_a_progress_bar_and_the_summary(big_tb, tmp_path):
    store = tmp_path / "store"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                        os.environ.get("PYTHONPATH", "")]))
    rc, out = _cli_on_pty(["--dir", str(store), "import", "tensorboard", str(big_tb)], env)
    assert rc == 0, out
    frames = out.replace("\r\n", "\n").split("\r")
    # the tqdm bar, drawn on the terminal and brought to 3/3 runs
    assert any(re.search(r"import tensorboard:\s+\d+%\|.*\| [0-3]/3 ", f) for f in frames), out
    assert re.search(r"import tensorboard: 100%\|.*\| 3/3 \[", out), out
    # the rows counted while the big run is still importing (after its first chunk), then in all
    runs = {r.name: r for r in Api(store).runs()}
    sizes = [len(list(r.scan_history())) for r in runs.values()]
    total = sum(sizes)
    whole = {sum(s for s, keep in zip(sizes, mask) if keep)  # counts after whole runs, in any order
             for mask in itertools.product((0, 1), repeat=len(sizes))}
    seen = [int(n) for n in re.findall(r"rows=(\d+)", out)]
    assert total in seen and set(seen) - whole, (seen, sizes)
    # the summary: runs, rows, files; nothing skipped
    files = sum(1 for r in runs.values() for p in (r.run_dir / "files").rglob("*") if p.is_file()) \
        - 2 * len(runs)  # summary.json and config.yaml, which every run writes itself
    assert f"imported 3 run(s) from tensorboard: {total} history rows, 0 system samples, {files} files" in out, out
    assert files == 1  # the image tag's PNG
    assert "skipped" not in out

    # again: nothing new, and the summary says for each run why it was skipped
    rc, out = _cli_on_pty(["--dir", str(store), "import", "tensorboard", str(big_tb)], env)
    assert rc == 0, out
    assert "imported 0 run(s) from tensorboard: 0 history rows, 0 system samples, 0 files" in out, out
    for name in ("train", "eval", "eval/hp"):
        assert f"  skipped {name}: already imported" in out, out
    assert len(Api(store).runs()) == 3


def test_no_progress_and_no_terminal_print_only_the_summary(tb_dir, tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                        os.environ.get("PYTHONPATH", "")]))
    rc, out = _cli_on_pty(["--dir", str(tmp_path / "s1"), "import", "tensorboard", "--no-progress",
                           str(tb_dir / "logs")], env)
    assert rc == 0 and "imported 3 run(s) from tensorboard" in out and "%|" not in out, out
    proc = subprocess.run([CLI, "--dir", str(tmp_path / "s2"), "import",
                           "tensorboard", str(tb_dir / "logs")], env=env, capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode == 0, proc.stderr
    assert "imported 3 run(s) from tensorboard" in proc.stdout and "%|" not in proc.stderr, proc.stderr
