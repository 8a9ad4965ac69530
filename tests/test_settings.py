"""Settings read the environment the same way the system monitor does."""
from __future__ import annotations

import pytest

from py_tracker.errors import UsageError
from py_tracker.monitor import interval_from_env
from py_tracker.settings import Settings


@pytest.mark.parametrize("raw, expected", [("3", 3.0), ("0", None), ("off", None), ("", 2.0)])
def test_monitor_interval_from_env_matches_the_monitor(monkeypatch, raw, expected):
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", raw)
    assert Settings.resolve().monitor_interval == expected == interval_from_env()


def test_bad_env_values_are_clear_errors(monkeypatch):
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "-1")
    with pytest.raises(UsageError, match="PY_TRACKER_MONITOR_INTERVAL"):
        Settings.resolve()
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "2")
    monkeypatch.setenv("PY_TRACKER_FLUSH_INTERVAL", "fast")
    with pytest.raises(UsageError, match="PY_TRACKER_FLUSH_INTERVAL"):
        Settings.resolve()


def test_init_settings_win_over_env(monkeypatch):
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "5")
    s = Settings.resolve({"monitor_interval": 0, "strict_steps": True, "start_method": "thread"})
    assert s.monitor_interval is None and s.strict_steps and s.extra == {"start_method": "thread"}
