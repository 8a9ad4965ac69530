"""System monitoring: pure collectors (psutil, NVML) and the thread that schedules them.

    from py_tracker.monitor import SystemMonitor, interval_from_env
    mon = SystemMonitor(print, interval=1.0).start(); ...; mon.stop()
"""
from __future__ import annotations

from .collector import Collector, report_once, reset_reports
from .gpu import GpuCollector, gpu_devices
from .host import (CpuCollector, DiskCollector, MemoryCollector, NetworkCollector, ProcessTree,
                   busy_percent)
from .thread import ENV_INTERVAL, SystemMonitor, default_collectors, interval_from_env

__all__ = [
    "Collector", "CpuCollector", "DiskCollector", "ENV_INTERVAL", "GpuCollector",
    "MemoryCollector", "NetworkCollector", "ProcessTree", "SystemMonitor", "busy_percent",
    "default_collectors", "gpu_devices", "interval_from_env", "report_once", "reset_reports",
]
