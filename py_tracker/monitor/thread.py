"""SystemMonitor: the one daemon thread that samples the collectors and hands rows to a sink.

The sink is any callable taking a dict of "system.*" keys: a run's
`_log_system`, a live panel, a list's `append`. The monitor needs no run.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence

from ..errors import UsageError
from ..settings import env_seconds
from .collector import Collector, report_once
from .gpu import GpuCollector
from .host import CpuCollector, DiskCollector, MemoryCollector, NetworkCollector, ProcessTree

logger = logging.getLogger("py_tracker")

ENV_INTERVAL = "PY_TRACKER_MONITOR_INTERVAL"
MIN_INTERVAL = 0.01


def interval_from_env(default: float | None = 2.0) -> float | None:
    """Sampling interval in seconds from env PY_TRACKER_MONITOR_INTERVAL (the same reading
    a run's Settings make): unset → `default`; 0 or "off" → None (monitor off); else > 0."""
    return env_seconds(ENV_INTERVAL, default)


def default_collectors(pid: int | None = None, disk_paths: Sequence[str] = ("/",),
                       gpu: bool = True) -> list[Collector]:
    """The standard set: CPU, memory, disk, network (psutil) and GPU (NVML) for process `pid`."""
    tree = ProcessTree(pid)
    collectors: list[Collector] = [CpuCollector(tree), MemoryCollector(tree),
                                   DiskCollector(disk_paths), NetworkCollector()]
    if gpu:
        collectors.append(GpuCollector(tree.pids))
    return collectors


class SystemMonitor:
    """Samples system metrics every `interval` seconds on one daemon thread and calls `sink(row)`.

    `start()` takes the baselines ("since start" counters) and starts the
    thread; `stop()` wakes it at once, optionally takes one final sample, and
    joins it. Errors in a collector or in the sink are logged once and never
    stop the thread. `cpu_seconds` is the CPU time the thread has used (for the
    overhead benchmark); `samples` counts rows handed to the sink.
    """

    def __init__(self, sink: Callable[[dict], None], interval: float = 2.0,
                 pid: int | None = None, *, disk_paths: Sequence[str] = ("/",),
                 gpu: bool = True, collectors: Sequence[Collector] | None = None):
        if not callable(sink):
            raise UsageError(f"sink must be a callable taking a dict, got {type(sink).__name__}")
        if not isinstance(interval, (int, float)) or not math.isfinite(interval) \
                or interval < MIN_INTERVAL:
            raise UsageError(f"interval must be a number of seconds >= {MIN_INTERVAL}, got "
                             f"{interval!r}; to turn the monitor off, do not start it")
        self.sink = sink
        self.interval = float(interval)
        self.pid = pid
        self._disk_paths = tuple(disk_paths)
        self._gpu = gpu
        self._given = list(collectors) if collectors is not None else None
        self._collectors: list[Collector] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._final = False
        self.samples = 0
        self.cpu_seconds = 0.0
        self.latest: dict[str, float] = {}

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> SystemMonitor:
        """Take baselines and start the sampling thread (no-op if already running)."""
        if self.running:
            return self
        self._collectors = self._given if self._given is not None else default_collectors(
            self.pid, self._disk_paths, self._gpu)
        self._stop.clear()
        self._final = False
        self._thread = threading.Thread(target=self._loop, name="py_tracker-monitor", daemon=True)
        self._thread.start()
        return self

    def sample(self) -> dict[str, float]:
        """Read every collector once and return the row (does not call the sink)."""
        row: dict[str, float] = {}
        with self._lock:
            for collector in self._collectors:
                try:
                    row.update(collector.sample())
                except Exception as exc:  # a collector must never kill the monitor
                    report_once(f"collector:{type(collector).__name__}",
                                f"py_tracker: {type(collector).__name__} failed: {exc!r}",
                                logging.WARNING)
        return row

    def _emit(self) -> None:
        row = self.sample()
        if not row:
            return
        self.latest = row
        try:
            self.sink(row)
            self.samples += 1
        except Exception as exc:
            report_once(f"sink:{id(self)}", f"py_tracker: system monitor sink failed: {exc!r}",
                        logging.WARNING)

    def _loop(self) -> None:
        t_cpu = time.thread_time()
        next_at = time.monotonic() + self.interval
        try:
            while not self._stop.wait(max(0.0, next_at - time.monotonic())):
                self._emit()
                self.cpu_seconds = time.thread_time() - t_cpu
                next_at += self.interval
                now = time.monotonic()
                if next_at < now:  # fell behind (suspended laptop, busy box): skip, don't burst
                    next_at = now + self.interval
            if self._final:
                self._emit()
        finally:
            with self._lock:
                for collector in self._collectors:
                    try:
                        collector.close()
                    except Exception:
                        pass
            self.cpu_seconds = time.thread_time() - t_cpu

    def stop(self, final_sample: bool = False, timeout: float = 5.0) -> None:
        """Stop the thread promptly and join it; `final_sample` takes one last reading first."""
        thread = self._thread
        if thread is None:
            return
        self._final = final_sample
        self._stop.set()
        if thread is not threading.current_thread():
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("py_tracker: system monitor did not stop within %.1f s", timeout)
        self._thread = None

    def __enter__(self) -> SystemMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
