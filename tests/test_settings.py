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


def test_wandb_style_settings_object_is_accepted_and_keeps_the_environment(store, monkeypatch):
    """W&B's examples pass `settings=wandb.Settings(start_method="thread")`: accepted, the W&B-only
    name kept aside, and the defaults of names not given do not override the environment."""
    import py_tracker as wandb
    from py_tracker.errors import UsageError
    monkeypatch.setenv("PY_TRACKER_MONITOR_INTERVAL", "0")
    s = wandb.Settings(start_method="thread", catalog_interval=5)
    run = wandb.init(project="s", settings=s)
    assert run.settings.monitor_interval is None and run.settings.catalog_interval == 5
    assert run.settings.extra == {"start_method": "thread"}
    run.finish()
    with pytest.raises(UsageError, match="monitr_interval.*did you mean 'monitor_interval'"):
        wandb.Settings(monitr_interval=3)
    assert wandb.Settings.resolve(wandb.Settings(_disable_stats=True)).monitor_interval is None
