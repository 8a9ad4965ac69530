"""NVIDIA GPU readings through NVML (the `nvidia-ml-py` package, imported as `pynvml`).

Keys per GPU i (W&B's names, prefixed "system."):
  system.gpu.<i>.gpu                   utilisation, %
  system.gpu.<i>.memory                memory-controller utilisation, %
  system.gpu.<i>.memoryAllocated       memory in use, % of total
  system.gpu.<i>.memoryAllocatedBytes  memory in use, bytes
  system.gpu.<i>.temp                  core temperature, degrees C
  system.gpu.<i>.powerWatts            power draw, W
  system.gpu.<i>.powerPercent          power draw, % of the enforced limit
and, for a GPU where this process tree has running processes:
  system.gpu.process.<i>.memoryAllocatedBytes / .memoryAllocated   the tree's own memory
  system.gpu.process.<i>.{gpu,memory,temp,powerWatts,powerPercent} the device's values (as W&B)

No GPU, no driver or no permission: the collector returns {} and one log line
(logger "py_tracker") says why. A field the device does not support is left
out. NVML matches processes by pid: inside a container with its own pid
namespace NVML reports host pids, so the per-process keys can be absent there.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .collector import Collector, report_once

try:  # nvidia-ml-py is a dependency, but a broken install must not break tracking
    import pynvml
except ImportError:  # pragma: no cover - exercised only without the package
    pynvml = None  # type: ignore[assignment]


def _reason(exc: BaseException) -> str:
    """A sentence saying why NVML is unusable, for the one log line."""
    if pynvml is None:
        return "the nvidia-ml-py package is not installed"
    if isinstance(exc, pynvml.NVMLError_LibraryNotFound):
        return "the NVML library was not found (no NVIDIA driver on this machine)"
    if isinstance(exc, pynvml.NVMLError_DriverNotLoaded):
        return "the NVIDIA driver is not loaded"
    if isinstance(exc, pynvml.NVMLError_NoPermission):
        return "no permission to query the GPU (NVML: Insufficient Permissions)"
    return f"NVML failed: {exc} ({type(exc).__name__})"


class GpuCollector(Collector):
    """GPU metrics for every NVIDIA device; NVML is initialised lazily on the first sample.

    `pids` returns the process ids whose GPU memory counts as "this process"
    (the monitor passes its process tree). Init happens on first use so that a
    slow driver never delays the caller that builds the collector.
    """

    def __init__(self, pids: Callable[[], set[int]] | None = None):
        self._pids = pids
        self._state = "new"  # "new" -> "ok" | "off"; "closed" after close()
        self._handles: list[Any] = []
        self.reason: str | None = None  # why GPU metrics are off, once known

    @property
    def available(self) -> bool:
        """True once NVML initialised and found at least one GPU."""
        return self._ensure()

    def _off(self, reason: str) -> bool:
        self.reason = reason
        report_once("nvml", "py_tracker: GPU metrics off: " + reason)
        return False

    def _ensure(self) -> bool:
        if self._state == "new":
            self._state = "off"
            if pynvml is None:
                return self._off(_reason(ImportError()))
            try:
                pynvml.nvmlInit()
            except pynvml.NVMLError as exc:  # no shutdown after a failed init
                return self._off(_reason(exc))
            try:
                count = pynvml.nvmlDeviceGetCount()
                self._handles = [pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            except pynvml.NVMLError as exc:
                self._shutdown()
                return self._off(_reason(exc))
            if not self._handles:
                self._shutdown()
                return self._off("NVML found no GPU")
            self._state = "ok"
        return self._state == "ok"

    def _read(self, index: int, field: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Call one NVML function; None when unsupported (silently) or failing (logged once)."""
        try:
            return fn(*args)
        except pynvml.NVMLError_NotSupported:
            return None
        except pynvml.NVMLError as exc:
            report_once(f"nvml:{field}:{type(exc).__name__}",
                        f"py_tracker: GPU {index} {field} not recorded: {_reason(exc)}")
            return None

    def _device(self, i: int, handle: Any) -> tuple[dict[str, float], int | None]:
        """Device-level keys of GPU i (unprefixed field names) and its total memory."""
        d: dict[str, float] = {}
        util = self._read(i, "utilization", pynvml.nvmlDeviceGetUtilizationRates, handle)
        if util is not None:
            d["gpu"], d["memory"] = float(util.gpu), float(util.memory)
        mem = self._read(i, "memory", pynvml.nvmlDeviceGetMemoryInfo, handle)
        total = None
        if mem is not None and mem.total:
            total = int(mem.total)
            d["memoryAllocated"] = round(mem.used / mem.total * 100.0, 3)
            d["memoryAllocatedBytes"] = int(mem.used)
        temp = self._read(i, "temperature", pynvml.nvmlDeviceGetTemperature, handle,
                          pynvml.NVML_TEMPERATURE_GPU)
        if temp is not None:
            d["temp"] = float(temp)
        power = self._read(i, "power", pynvml.nvmlDeviceGetPowerUsage, handle)
        if power is not None:
            d["powerWatts"] = round(power / 1000.0, 3)
            limit = self._read(i, "power limit", pynvml.nvmlDeviceGetEnforcedPowerLimit, handle)
            if limit:
                d["powerPercent"] = round(power / limit * 100.0, 3)
        return d, total

    def _process_bytes(self, i: int, handle: Any, pids: set[int]) -> int | None:
        """GPU memory used on GPU i by processes in `pids`; None when none of them runs there."""
        found, used = False, 0
        for field, fn in (("compute processes", pynvml.nvmlDeviceGetComputeRunningProcesses),
                          ("graphics processes", pynvml.nvmlDeviceGetGraphicsRunningProcesses)):
            seen: set[int] = set()
            for proc in self._read(i, field, fn, handle) or ():
                if proc.pid in pids and proc.pid not in seen:
                    seen.add(proc.pid)
                    found = True
                    used += int(getattr(proc, "usedGpuMemory", None) or 0)
        return used if found else None

    def sample(self) -> dict[str, float]:
        if not self._ensure():
            return {}
        out: dict[str, float] = {}
        pids = self._pids() if self._pids is not None else set()
        for i, handle in enumerate(self._handles):
            dev, total = self._device(i, handle)
            for name, value in dev.items():
                out[f"system.gpu.{i}.{name}"] = value
            if not pids:
                continue
            used = self._process_bytes(i, handle, pids)
            if used is None:
                continue
            p = f"system.gpu.process.{i}."
            out[p + "memoryAllocatedBytes"] = used
            if total:
                out[p + "memoryAllocated"] = round(used / total * 100.0, 3)
            for name in ("gpu", "memory", "temp", "powerWatts", "powerPercent"):
                if name in dev:
                    out[p + name] = dev[name]
        return out

    def devices(self) -> list[dict[str, Any]]:
        """Static description of each GPU (name, memory total, uuid), for run metadata."""
        if not self._ensure():
            return []
        result = []
        for i, handle in enumerate(self._handles):
            info: dict[str, Any] = {"index": i}
            name = self._read(i, "name", pynvml.nvmlDeviceGetName, handle)
            if name is not None:
                info["name"] = name.decode() if isinstance(name, bytes) else str(name)
            mem = self._read(i, "memory", pynvml.nvmlDeviceGetMemoryInfo, handle)
            if mem is not None:
                info["memory_total"] = int(mem.total)
            uuid = self._read(i, "uuid", pynvml.nvmlDeviceGetUUID, handle)
            if uuid is not None:
                info["uuid"] = uuid.decode() if isinstance(uuid, bytes) else str(uuid)
            result.append(info)
        return result

    def driver_version(self) -> str | None:
        """The NVIDIA driver version, or None."""
        if not self._ensure():
            return None
        v = self._read(-1, "driver version", pynvml.nvmlSystemGetDriverVersion)
        return v.decode() if isinstance(v, bytes) else v

    def _shutdown(self) -> None:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass

    def close(self) -> None:
        if self._state == "ok":
            self._shutdown()
        self._state = "closed"
        self._handles = []


def gpu_devices() -> list[dict[str, Any]]:
    """List this machine's NVIDIA GPUs ([] without NVML); used for run metadata."""
    collector = GpuCollector()
    try:
        return collector.devices()
    finally:
        collector.close()
