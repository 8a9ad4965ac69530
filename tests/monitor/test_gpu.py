"""The NVML path against pynvml's documented error classes.

There is no GPU here, so the device is faked by replacing pynvml's module
functions (and only those); the error classes are pynvml's own.
"""
from __future__ import annotations

import logging
import os
from types import SimpleNamespace

import pynvml
import pytest

from py_tracker.monitor import GpuCollector, SystemMonitor, gpu_devices, reset_reports

GIB = 2**30


@pytest.fixture(autouse=True)
def _fresh_reports():
    reset_reports()
    yield
    reset_reports()


def py_tracker_records(caplog):
    return [r for r in caplog.records if r.name == "py_tracker"]


class FakeNvml:
    """Two fake GPUs; `fail` maps a pynvml function name to the error it raises."""

    def __init__(self, monkeypatch, fail=None, procs=None):
        self.fail = fail or {}
        self.calls: dict[str, int] = {}
        self.procs = procs or {}
        for name in ("nvmlInit", "nvmlShutdown", "nvmlDeviceGetCount", "nvmlDeviceGetHandleByIndex",
                     "nvmlDeviceGetUtilizationRates", "nvmlDeviceGetMemoryInfo",
                     "nvmlDeviceGetTemperature", "nvmlDeviceGetPowerUsage",
                     "nvmlDeviceGetEnforcedPowerLimit", "nvmlDeviceGetComputeRunningProcesses",
                     "nvmlDeviceGetGraphicsRunningProcesses", "nvmlDeviceGetName",
                     "nvmlDeviceGetUUID", "nvmlSystemGetDriverVersion"):
            monkeypatch.setattr(pynvml, name, self._wrap(name))

    def _wrap(self, name):
        impl = getattr(self, "_" + name)

        def fn(*args):
            self.calls[name] = self.calls.get(name, 0) + 1
            err = self.fail.get(name)
            if err is not None and (not isinstance(err, tuple) or args[0] == err[1]):
                raise (err[0] if isinstance(err, tuple) else err)()
            return impl(*args)
        return fn

    def _nvmlInit(self): return None
    def _nvmlShutdown(self): return None
    def _nvmlDeviceGetCount(self): return 2
    def _nvmlDeviceGetHandleByIndex(self, i): return ("handle", i)
    def _nvmlDeviceGetUtilizationRates(self, h): return SimpleNamespace(gpu=40 + h[1], memory=20)
    def _nvmlDeviceGetMemoryInfo(self, h): return SimpleNamespace(total=80 * GIB, used=20 * GIB, free=60 * GIB)
    def _nvmlDeviceGetTemperature(self, h, sensor):
        assert sensor == pynvml.NVML_TEMPERATURE_GPU
        return 65
    def _nvmlDeviceGetPowerUsage(self, h): return 350_000  # milliwatts
    def _nvmlDeviceGetEnforcedPowerLimit(self, h): return 700_000
    def _nvmlDeviceGetComputeRunningProcesses(self, h): return self.procs.get(h[1], [])
    def _nvmlDeviceGetGraphicsRunningProcesses(self, h): return []
    def _nvmlDeviceGetName(self, h): return "NVIDIA H100 80GB HBM3"
    def _nvmlDeviceGetUUID(self, h): return f"GPU-{h[1]}"
    def _nvmlSystemGetDriverVersion(self): return "550.54"


@pytest.mark.parametrize("error, words", [
    (pynvml.NVMLError_LibraryNotFound, "not found"),
    (pynvml.NVMLError_DriverNotLoaded, "driver is not loaded"),
    (pynvml.NVMLError_NoPermission, "permission"),
    (pynvml.NVMLError_Unknown, "NVML failed"),
])
def test_failed_init_gives_no_keys_one_log_line_and_no_shutdown(monkeypatch, caplog, error, words):
    fake = FakeNvml(monkeypatch, fail={"nvmlInit": error})
    caplog.set_level(logging.INFO, logger="py_tracker")
    col = GpuCollector()
    assert col.sample() == {} and col.sample() == {}
    assert GpuCollector().sample() == {}  # a second collector does not log again
    col.close()
    recs = py_tracker_records(caplog)
    assert len(recs) == 1 and words in recs[0].getMessage()
    assert "GPU metrics off" in recs[0].getMessage()
    assert fake.calls.get("nvmlShutdown", 0) == 0
    assert fake.calls["nvmlInit"] == 2  # once per collector, not once per sample
    assert words in col.reason


def test_real_pynvml_without_gpu_is_silent_and_empty(caplog):
    caplog.set_level(logging.INFO, logger="py_tracker")
    if os.path.exists("/dev/nvidia0"):
        pytest.skip("this machine has a GPU; see benchmarks/nvml_device_check.py")
    assert GpuCollector().sample() == {}
    assert gpu_devices() == []
    assert len(py_tracker_records(caplog)) == 1


def test_fake_device_key_names_and_units(monkeypatch, caplog):
    me = os.getpid()
    procs = {1: [SimpleNamespace(pid=me, usedGpuMemory=2 * GIB),
                 SimpleNamespace(pid=999_999_999, usedGpuMemory=5 * GIB)]}
    fake = FakeNvml(monkeypatch, procs=procs)
    col = GpuCollector(lambda: {me})
    row = col.sample()
    for i in (0, 1):
        p = f"system.gpu.{i}."
        assert row[p + "gpu"] == 40 + i
        assert row[p + "memory"] == 20
        assert row[p + "memoryAllocated"] == 25.0
        assert row[p + "memoryAllocatedBytes"] == 20 * GIB
        assert row[p + "temp"] == 65
        assert row[p + "powerWatts"] == 350.0
        assert row[p + "powerPercent"] == 50.0
    # only GPU 1 runs one of our processes; only our process's memory counts
    assert not any(k.startswith("system.gpu.process.0.") for k in row)
    assert row["system.gpu.process.1.memoryAllocatedBytes"] == 2 * GIB
    assert row["system.gpu.process.1.memoryAllocated"] == 2.5
    assert row["system.gpu.process.1.gpu"] == 41
    assert not py_tracker_records(caplog)
    assert col.devices()[0] == {"index": 0, "name": "NVIDIA H100 80GB HBM3",
                                "memory_total": 80 * GIB, "uuid": "GPU-0"}
    assert col.driver_version() == "550.54"
    col.close()
    col.close()
    assert fake.calls["nvmlShutdown"] == 1
    assert col.sample() == {}


def test_not_supported_field_is_omitted_silently(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="py_tracker")
    FakeNvml(monkeypatch, fail={
        "nvmlDeviceGetTemperature": (pynvml.NVMLError_NotSupported, ("handle", 1)),
        "nvmlDeviceGetPowerUsage": pynvml.NVMLError_NotSupported,
    })
    row = GpuCollector().sample()
    assert row["system.gpu.0.temp"] == 65
    assert "system.gpu.1.temp" not in row
    assert not any(k.endswith(("powerWatts", "powerPercent")) for k in row)
    assert row["system.gpu.1.gpu"] == 41
    assert not py_tracker_records(caplog)


def test_no_permission_on_processes_keeps_device_keys(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="py_tracker")
    FakeNvml(monkeypatch, fail={"nvmlDeviceGetComputeRunningProcesses": pynvml.NVMLError_NoPermission},
             procs={0: [SimpleNamespace(pid=os.getpid(), usedGpuMemory=GIB)]})
    col = GpuCollector(lambda: {os.getpid()})
    for _ in range(3):
        row = col.sample()
    assert row["system.gpu.0.memoryAllocatedBytes"] == 20 * GIB
    assert not any(k.startswith("system.gpu.process.") for k in row)
    recs = py_tracker_records(caplog)
    assert len(recs) == 1 and "permission" in recs[0].getMessage()


def test_zero_gpus_is_reported_and_shut_down(monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="py_tracker")
    fake = FakeNvml(monkeypatch)
    monkeypatch.setattr(pynvml, "nvmlDeviceGetCount", lambda: 0)
    assert GpuCollector().sample() == {}
    assert fake.calls["nvmlShutdown"] == 1
    assert "found no GPU" in py_tracker_records(caplog)[0].getMessage()


def test_monitor_with_fake_gpu_reports_process_memory(monkeypatch):
    FakeNvml(monkeypatch, procs={0: [SimpleNamespace(pid=os.getpid(), usedGpuMemory=None)]})
    rows = []
    mon = SystemMonitor(rows.append, interval=10).start()
    mon.stop(final_sample=True)
    assert rows[0]["system.gpu.1.temp"] == 65
    assert rows[0]["system.gpu.process.0.memoryAllocatedBytes"] == 0  # NVML: not available
    assert rows[0]["system.cpu"] >= 0
