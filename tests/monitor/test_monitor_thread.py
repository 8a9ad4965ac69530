"""SystemMonitor's real thread: cadence, prompt stop, final sample, error isolation; env interval."""
from __future__ import annotations

import logging
import threading
import time

import pytest

from py_tracker.errors import UsageError
from py_tracker.monitor import (ENV_INTERVAL, Collector, SystemMonitor, interval_from_env,
                                reset_reports)


@pytest.fixture(autouse=True)
def _fresh_reports():
    reset_reports()
    yield
    reset_reports()


def test_sink_called_at_interval_with_real_readings():
    stamps, rows = [], []

    def sink(row):
        stamps.append(time.monotonic())
        rows.append(row)

    mon = SystemMonitor(sink, interval=0.1, gpu=False)
    mon.start()
    assert mon.running
    assert any(t.name == "py_tracker-monitor" and t.daemon for t in threading.enumerate())
    time.sleep(0.75)
    mon.stop()
    assert not mon.running
    assert 4 <= len(rows) <= 9, len(rows)
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert 0.05 < sum(gaps) / len(gaps) < 0.2
    assert {"system.cpu", "system.cpu.0", "system.memory_percent", "system.proc.memory.rssMB",
            "system.proc.memory.availableMB", "system.disk./.usagePercent",
            "system.network.sent", "system.network.recv"} <= set(rows[-1])
    assert mon.samples == len(rows)
    assert mon.latest == rows[-1]
    n = len(rows)
    time.sleep(0.25)
    assert len(rows) == n  # really stopped


def test_stop_is_prompt_and_final_sample_optional():
    rows = []
    mon = SystemMonitor(rows.append, interval=30, gpu=False).start()
    t0 = time.monotonic()
    mon.stop()
    assert time.monotonic() - t0 < 1.0 and rows == []
    mon.start()
    t0 = time.monotonic()
    mon.stop(final_sample=True)
    assert time.monotonic() - t0 < 1.0 and len(rows) == 1
    mon.stop()  # idempotent


class Broken(Collector):
    def sample(self):
        raise RuntimeError("sensor on fire")


class Counter(Collector):
    def __init__(self):
        self.n = 0
        self.closed = 0

    def sample(self):
        self.n += 1
        return {"system.test": self.n}

    def close(self):
        self.closed += 1


def test_failing_collector_and_sink_are_logged_once_and_do_not_stop_it(caplog):
    caplog.set_level(logging.INFO, logger="py_tracker")
    counter = Counter()
    calls = []

    def sink(row):
        calls.append(row)
        if len(calls) % 2:
            raise OSError("disk full")

    with SystemMonitor(sink, interval=0.05, collectors=[Broken(), counter]):
        time.sleep(0.4)
    assert len(calls) >= 4 and all(r == {"system.test": r["system.test"]} for r in calls)
    msgs = [r.getMessage() for r in caplog.records if r.name == "py_tracker"]
    assert sum("sensor on fire" in m for m in msgs) == 1
    assert sum("disk full" in m for m in msgs) == 1
    assert counter.closed == 1


def test_sample_without_thread():
    mon = SystemMonitor(lambda row: None, collectors=[Counter()])
    mon.start()
    assert mon.sample() == {"system.test": 1}
    mon.stop()


@pytest.mark.parametrize("value, expected", [
    (None, 2.0), ("", 2.0), ("1.5", 1.5), ("0", None), ("off", None), (" 10 ", 10.0),
])
def test_interval_from_env(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv(ENV_INTERVAL, raising=False)
    else:
        monkeypatch.setenv(ENV_INTERVAL, value)
    assert interval_from_env() == expected


@pytest.mark.parametrize("value", ["fast", "-1", "nan", "inf"])
def test_interval_from_env_rejects_bad_values(monkeypatch, value):
    monkeypatch.setenv(ENV_INTERVAL, value)
    with pytest.raises(UsageError, match=ENV_INTERVAL):
        interval_from_env()


@pytest.mark.parametrize("interval", [0, -1, float("nan"), "2"])
def test_bad_interval_or_sink_rejected(interval):
    with pytest.raises(UsageError, match="interval"):
        SystemMonitor(print, interval=interval)
    with pytest.raises(UsageError, match="sink"):
        SystemMonitor("not callable")
