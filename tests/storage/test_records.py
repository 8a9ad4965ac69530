"""pid_start reads /proc without psutil and must agree with psutil (pid_alive compares them)."""
from __future__ import annotations

import os
import subprocess
import sys

import psutil

from py_tracker.storage.records import pid_alive, pid_start


def test_pid_start_matches_psutil_for_this_and_another_process():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        for pid in (os.getpid(), child.pid):
            assert abs(pid_start.__wrapped__(pid) - psutil.Process(pid).create_time()) < 0.02
        assert pid_alive(child.pid, pid_start.__wrapped__(child.pid))
    finally:
        child.kill()
        child.wait()
    assert pid_start.__wrapped__(2**22 + 12345) is None  # no such process
