"""Facts derived from a run record: is its writer alive, what state to show."""
from __future__ import annotations

import functools
import os
import socket
import time
from pathlib import Path

HEARTBEAT_TIMEOUT = 30.0  # seconds without a heartbeat before a running run counts as crashed

_HOST = socket.gethostname()


@functools.lru_cache(maxsize=8)
def pid_start(pid: int) -> float | None:
    """When process `pid` started (psutil's create_time): with the pid it names one process.

    On Linux read from /proc as psutil does (start ticks / CLK_TCK + boot time), which
    spares every first `init()` the ~50 ms import of psutil; elsewhere psutil.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            ticks = int(f.read().rsplit(b")", 1)[1].split()[19])
        return ticks / os.sysconf("SC_CLK_TCK") + _boot_time()
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil
        return psutil.Process(pid).create_time()
    except Exception:
        return None


@functools.lru_cache(maxsize=1)
def _boot_time() -> float:
    with open("/proc/stat", "rb") as f:
        for line in f:
            if line.startswith(b"btime"):
                return float(line.split()[1])
    raise ValueError("no btime in /proc/stat")


def pid_alive(pid: int, started: float | None) -> bool:
    """Whether that process still runs on this host (a reused pid does not count)."""
    try:
        import psutil
        p = psutil.Process(pid)
        if started is not None and abs(p.create_time() - started) > 1.0:
            return False  # the pid was reused by another process
        return p.status() != psutil.STATUS_ZOMBIE
    except Exception:
        return False


def effective_state(record: dict, heartbeat: Path | None = None, now: float | None = None) -> str:
    """The state to show: a "running" run whose writer is gone is "crashed".

    On this host the writer's pid (and its start time) decides; elsewhere the
    heartbeat file's age (or the record's heartbeat_at) does.
    """
    state = record.get("state", "running")
    if state != "running":
        return state
    if record.get("host") == _HOST and record.get("pid"):
        if record["pid"] == os.getpid():
            return "running"
        return "running" if pid_alive(int(record["pid"]), record.get("pid_start")) else "crashed"
    now = now or time.time()
    beat = record.get("heartbeat_at") or record.get("updated_at") or record.get("created_at") or 0
    if heartbeat is not None:
        try:
            beat = max(beat, heartbeat.stat().st_mtime)
        except OSError:
            pass
    return "running" if now - beat < HEARTBEAT_TIMEOUT else "crashed"
