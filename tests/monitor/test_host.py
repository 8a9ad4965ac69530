"""Real psutil readings from the host collectors: keys, ranges and deltas that respond to load."""
from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import psutil

from py_tracker.monitor import (CpuCollector, DiskCollector, MemoryCollector, NetworkCollector,
                                ProcessTree, busy_percent)


def test_busy_percent_from_real_cpu_times_type():
    t0 = psutil.cpu_times()
    zero = type(t0)(*([0.0] * len(t0)))
    busy = zero._replace(user=3.0, idle=1.0)
    assert busy_percent(zero, busy) == 75.0
    assert busy_percent(zero, zero) == 0.0
    assert 0.0 <= busy_percent(t0, psutil.cpu_times()) <= 100.0


def test_cpu_keys_and_ranges():
    col = CpuCollector(ProcessTree())
    time.sleep(0.2)
    row = col.sample()
    ncpu = psutil.cpu_count()
    assert 0.0 <= row["system.cpu"] <= 100.0
    assert row["system.proc.cpu.threads"] >= 1
    for i in range(ncpu):
        assert 0.0 <= row[f"system.cpu.{i}"] <= 100.0
    assert f"system.cpu.{ncpu}" not in row


def test_process_tree_cpu_counts_a_busy_child():
    child = subprocess.Popen([sys.executable, "-c",
                              "import time\nt=time.time()+3\nwhile time.time()<t: pass"])
    try:
        tree = ProcessTree(refresh_s=0.0)
        assert child.pid in tree.pids()
        col = CpuCollector(tree)
        time.sleep(1.0)
        row = col.sample()
        # a spinning child is up to a full core: 100 / ncpu; a shared box gives it less
        assert row["system.cpu"] > 5.0 / psutil.cpu_count(), row
        assert sum(row[f"system.cpu.{i}"] for i in range(psutil.cpu_count())) > 5.0
    finally:
        child.kill()
        child.wait(5)
    # the exited child is dropped, the root still reads
    assert CpuCollector(ProcessTree(refresh_s=0.0)).sample()["system.cpu"] >= 0.0


def test_memory_keys_and_rss_growth():
    col = MemoryCollector(ProcessTree())
    before = col.sample()
    total_mb = psutil.virtual_memory().total / 2**20
    assert 0 < before["system.memory_percent"] <= 100
    assert 0 < before["system.proc.memory.availableMB"] <= total_mb
    assert 5 < before["system.proc.memory.rssMB"] < total_mb
    assert 0 < before["system.proc.memory.percent"] < 100
    block = bytearray(64 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    after = col.sample()
    assert after["system.proc.memory.rssMB"] - before["system.proc.memory.rssMB"] > 48
    del block


def test_disk_keys():
    col = DiskCollector(["/"])
    row = col.sample()
    assert 0 <= row["system.disk./.usagePercent"] <= 100
    assert row["system.disk./.usageGB"] > 0
    if psutil.disk_io_counters() is not None:
        assert row["system.disk.in"] >= 0 and row["system.disk.out"] >= 0


def test_disk_missing_path_is_left_out(caplog):
    row = DiskCollector(["/no/such/mount/point"]).sample()
    assert not any(k.startswith("system.disk./no") for k in row)


def test_network_counts_loopback_bytes_since_start():
    col = NetworkCollector()
    payload = b"x" * (2 * 2**20)
    server = socket.create_server(("127.0.0.1", 0))
    got = []

    def serve():
        conn, _ = server.accept()
        with conn:
            n = 0
            while n < len(payload):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    break
                n += len(chunk)
            got.append(n)

    t = threading.Thread(target=serve)
    t.start()
    with socket.create_connection(server.getsockname()) as c:
        c.sendall(payload)
    t.join(5)
    server.close()
    assert got == [len(payload)]
    row = col.sample()
    assert row["system.network.sent"] >= len(payload)
    assert row["system.network.recv"] >= len(payload)
