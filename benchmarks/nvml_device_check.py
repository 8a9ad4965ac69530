"""Check the GPU collector on a machine with a real NVIDIA GPU.

    .venv/bin/python benchmarks/nvml_device_check.py

Prints the GPU keys one sample collects, the device list used for run
metadata, and (when torch with CUDA is importable) whether this process's
own GPU memory shows up under system.gpu.process.<i>.*. Exit status 1 when
`nvidia-smi` exists but no system.gpu.* key was collected; 0 otherwise
(including a machine without any NVIDIA driver, where it says so).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from py_tracker.monitor import GpuCollector, ProcessTree  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            print(subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20).stdout.strip())
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"nvidia-smi -L failed: {exc}")
    held = None
    try:  # put some memory of our own on GPU 0 so the per-process keys have something to find
        import torch
        if torch.cuda.is_available():
            held = torch.empty(256 * 2**20, dtype=torch.uint8, device="cuda:0")
            torch.cuda.synchronize()
            print("torch: holding 256 MiB on cuda:0")
        else:
            print("torch: CUDA not available, per-process keys not exercised")
    except Exception as exc:  # torch absent or CPU-only: device keys are still checked
        print(f"torch CUDA not used: {exc!r}")

    tree = ProcessTree()
    col = GpuCollector(tree.pids)
    t0 = time.perf_counter()
    first = col.sample()
    t1 = time.perf_counter()
    second = col.sample()
    t2 = time.perf_counter()
    print("devices:", json.dumps(col.devices()))
    print("driver:", col.driver_version())
    print(f"first sample (incl. nvmlInit) {1000 * (t1 - t0):.1f} ms, next {1000 * (t2 - t1):.1f} ms")
    for key in sorted(second):
        print(f"  {key} = {second[key]}")
    col.close()
    gpu_keys = [k for k in second if k.startswith("system.gpu.")]
    proc_keys = [k for k in second if k.startswith("system.gpu.process.")]
    print(f"{len(gpu_keys)} GPU keys, {len(proc_keys)} per-process keys"
          + (" (process memory held but not matched: pid namespace?)" if held is not None and not proc_keys else ""))
    if smi and not gpu_keys:
        print("FAIL: nvidia-smi exists but no system.gpu.* key was collected")
        return 1
    if not smi and not gpu_keys:
        print("no NVIDIA GPU/driver here: GPU keys absent, as designed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
