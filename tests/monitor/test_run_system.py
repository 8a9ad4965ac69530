"""The monitor as a run uses it: samples land in the run's "system" stream and read back."""
from __future__ import annotations

import sys
import time

import py_tracker as pt


def test_run_records_system_stream_and_output(tmp_path):
    run = pt.init(project="sys", dir=tmp_path, settings={"monitor_interval": 0.1})
    try:
        print("training starts")
        for pct in (0, 50, 100):
            sys.stderr.write(f"\rbar {pct}%")
        sys.stderr.write("\n")
        time.sleep(0.6)
        run.log({"loss": 1.0})
    finally:
        run.finish()
    api_run = pt.Api(tmp_path).run(run.id)
    rows = api_run.history(stream="system", pandas=False)
    assert len(rows) >= 3
    last = rows[-1]
    for key in ("system.cpu", "system.cpu.0", "system.memory_percent", "system.proc.memory.rssMB",
                "system.proc.memory.availableMB", "system.disk./.usagePercent",
                "system.network.sent", "system.network.recv", "_runtime", "_timestamp"):
        assert key in last, key
    assert not any(k.startswith("system.gpu.") for k in last) or "gpu_count" in api_run.metadata
    log_lines = (api_run.dir / "output.log").read_text().splitlines()
    assert log_lines[:2] == ["training starts", "bar 100%"]
    names = {f.name for f in api_run.files()}
    assert {"output.log", "requirements.txt", "metadata.json"} <= names
