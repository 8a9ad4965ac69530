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
    """When process `pid` started (psutil's create_time): with the pid it names one process."""
    try:
        import psutil
        return psutil.Process(pid).create_time()
    except Exception:
        return None


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
