"""Collectors for the host and the process tree, read with psutil.

Keys follow W&B's system metrics (prefixed "system."):
- system.cpu                 CPU of this process and its children, % of the whole machine (0-100)
- system.cpu.<i>             utilisation of core i, % (0-100)
- system.proc.cpu.threads    threads in this process
- system.memory_percent      machine memory in use, %
- system.proc.memory.rssMB   resident memory of this process, MiB
- system.proc.memory.percent this process's share of machine memory, %
- system.proc.memory.availableMB  memory still available on the machine, MiB
- system.disk.<path>.usagePercent / .usageGB   filesystem usage of <path> (default "/")
- system.disk.in / system.disk.out   MiB read / written by the machine's disks since start
- system.network.sent / system.network.recv  bytes sent / received since start
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterable
from typing import Any

import psutil

from .collector import Collector, report_once

MIB = 1024 * 1024
GIB = 1024 * MIB


def busy_percent(prev: Any, cur: Any) -> float:
    """Percent of time a CPU was busy between two `psutil.cpu_times()` readings (0-100).

    Busy = total - idle - iowait; guest time is already counted in user/nice on
    Linux, so it is not added twice. Returns 0.0 when no time passed.
    """

    def busy_total(t: Any) -> tuple[float, float]:
        total = sum(t)
        total -= getattr(t, "guest", 0.0) + getattr(t, "guest_nice", 0.0)
        idle = t.idle + getattr(t, "iowait", 0.0)
        return total - idle, total

    b0, t0 = busy_total(prev)
    b1, t1 = busy_total(cur)
    if t1 - t0 <= 0:
        return 0.0
    return round(min(100.0, max(0.0, (b1 - b0) / (t1 - t0) * 100.0)), 2)


class ProcessTree:
    """A process and its descendants, kept across samples so psutil's CPU deltas work.

    Listing children scans /proc, so the list is refreshed at most every
    `refresh_s` seconds; processes that exit are dropped as they vanish.
    """

    def __init__(self, pid: int | None = None, refresh_s: float = 5.0):
        self.root = psutil.Process(pid if pid is not None else os.getpid())
        self.refresh_s = refresh_s
        self._children: dict[int, psutil.Process] = {}
        self._listed_at = float("-inf")
        self.root.cpu_percent(None)  # first call only starts the clock

    def processes(self) -> list[psutil.Process]:
        """The root and its current descendants (cached Process objects)."""
        now = time.monotonic()
        if now - self._listed_at >= self.refresh_s:
            self._listed_at = now
            try:
                kids = self.root.children(recursive=True)
            except (psutil.Error, OSError):
                kids = []
            fresh: dict[int, psutil.Process] = {}
            for child in kids:
                old = self._children.get(child.pid)
                if old is not None and old.is_running():
                    fresh[child.pid] = old
                else:
                    fresh[child.pid] = child
                    try:
                        child.cpu_percent(None)
                    except (psutil.Error, OSError):
                        fresh.pop(child.pid, None)
            self._children = fresh
        return [self.root, *self._children.values()]

    def pids(self) -> set[int]:
        """Process ids of the tree (used to find this tree's GPU processes)."""
        return {p.pid for p in self.processes()}

    def cpu_percent(self) -> float | None:
        """Summed CPU % of the tree since the last call (100 = one full core); None if the root is gone."""
        total = 0.0
        for proc in self.processes():
            try:
                total += proc.cpu_percent(None)
            except (psutil.Error, OSError):
                if proc is self.root:
                    return None
                self._children.pop(proc.pid, None)
        return total


class CpuCollector(Collector):
    """system.cpu (process tree, normalised to the machine), system.cpu.<i>, system.proc.cpu.threads."""

    def __init__(self, tree: ProcessTree):
        self.tree = tree
        self.ncpu = psutil.cpu_count() or 1
        self._last = psutil.cpu_times(percpu=True)

    def sample(self) -> dict[str, float]:
        out: dict[str, float] = {}
        pct = self.tree.cpu_percent()
        if pct is not None:
            out["system.cpu"] = round(min(100.0, pct / self.ncpu), 2)
            try:
                out["system.proc.cpu.threads"] = self.tree.root.num_threads()
            except (psutil.Error, OSError):
                pass
        try:
            cur = psutil.cpu_times(percpu=True)
        except (psutil.Error, OSError):
            return out
        for i, (a, b) in enumerate(zip(self._last, cur)):
            out[f"system.cpu.{i}"] = busy_percent(a, b)
        self._last = cur
        return out


class MemoryCollector(Collector):
    """system.memory_percent, system.proc.memory.{rssMB,percent,availableMB}."""

    def __init__(self, tree: ProcessTree):
        self.tree = tree

    def sample(self) -> dict[str, float]:
        out: dict[str, float] = {}
        try:
            vm = psutil.virtual_memory()
            out["system.memory_percent"] = vm.percent
            out["system.proc.memory.availableMB"] = round(vm.available / MIB, 2)
        except (psutil.Error, OSError):
            pass
        try:
            proc = self.tree.root
            out["system.proc.memory.rssMB"] = round(proc.memory_info().rss / MIB, 2)
            out["system.proc.memory.percent"] = round(proc.memory_percent(), 2)
        except (psutil.Error, OSError):
            pass
        return out


class DiskCollector(Collector):
    """system.disk.<path>.usagePercent/.usageGB and system.disk.in/out (MiB since start)."""

    def __init__(self, paths: Iterable[str] = ("/",)):
        self.paths = list(paths)
        self._start = self._io()

    @staticmethod
    def _io() -> Any:
        try:
            return psutil.disk_io_counters()
        except (psutil.Error, OSError, RuntimeError):
            return None

    def sample(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for path in self.paths:
            try:
                usage = psutil.disk_usage(path)
            except (psutil.Error, OSError) as exc:
                report_once(f"disk:{path}", f"py_tracker: disk usage of {path!r} not recorded: {exc}")
                continue
            out[f"system.disk.{path}.usagePercent"] = usage.percent
            out[f"system.disk.{path}.usageGB"] = round(usage.used / GIB, 2)
        cur = self._io()
        if cur is not None and self._start is not None:
            out["system.disk.in"] = round(max(0, cur.read_bytes - self._start.read_bytes) / MIB, 3)
            out["system.disk.out"] = round(max(0, cur.write_bytes - self._start.write_bytes) / MIB, 3)
        return out


class NetworkCollector(Collector):
    """system.network.sent / system.network.recv: bytes since start, all interfaces."""

    def __init__(self) -> None:
        self._start = self._io()

    @staticmethod
    def _io() -> Any:
        try:
            return psutil.net_io_counters()
        except (psutil.Error, OSError, RuntimeError):
            return None

    def sample(self) -> dict[str, float]:
        cur = self._io()
        if cur is None or self._start is None:
            return {}
        return {
            "system.network.sent": max(0, cur.bytes_sent - self._start.bytes_sent),
            "system.network.recv": max(0, cur.bytes_recv - self._start.bytes_recv),
        }
