"""Bad settings are refused up front with a message naming the key, the value and the valid
range — before anything is written and before the active run is touched. The bug this
guards: `settings={"flush_interval": 0}` was taken as is and the flusher spun on a core."""
from __future__ import annotations

import pytest

import py_tracker as pt
from py_tracker.errors import UsageError
from py_tracker.settings import Settings

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


@pytest.fixture(autouse=True)
def _no_active_run():
    yield
    if pt.run is not None and not pt.run.finished:
        pt.run.finish()


@pytest.mark.parametrize("key, value, words", [
    ("flush_interval", 0, ["flush_interval", "0", "0.01", "3600", "cannot be turned off"]),
    ("flush_interval", -1, ["flush_interval", "-1", "out of range"]),
    ("flush_interval", None, ["flush_interval", "None", "cannot be turned off"]),
    ("flush_interval", float("nan"), ["flush_interval", "nan", "out of range"]),
    ("flush_interval", "0.5", ["flush_interval", "'0.5'", "not a number"]),
    ("heartbeat_interval", 0, ["heartbeat_interval", "cannot be turned off"]),
    ("heartbeat_interval", 45, ["heartbeat_interval", "45", "0.05", "10"]),
    ("catalog_interval", float("inf"), ["catalog_interval", "inf", "out of range"]),
    ("monitor_interval", 0.001, ["monitor_interval", "0.001", "0/None to turn it off"]),
    ("monitor_interval", "2", ["monitor_interval", "'2'", "not a number"]),
    ("strict_steps", "yes", ["strict_steps", "'yes'", "True or False"]),
    ("display", 1, ["display", "1", "True or False"]),
])
def test_a_bad_value_is_refused_before_anything_is_written(tmp_path, key, value, words):
    with pytest.raises(UsageError) as err:
        pt.init(dir=tmp_path, project="p", settings={**QUIET, key: value})
    for w in words:
        assert w in str(err.value), (w, str(err.value))
    assert pt.Api(tmp_path).runs() == []


def test_an_unknown_key_is_refused_with_the_closest_name(tmp_path):
    with pytest.raises(UsageError, match=r"unknown setting 'flush_intervall'.*did you mean 'flush_interval'"):
        pt.init(dir=tmp_path, project="p", settings={**QUIET, "flush_intervall": 1})
    with pytest.raises(UsageError, match=r"'capture_ouptut'.*did you mean 'capture_output'"):
        Settings.resolve({"capture_ouptut": False})
    assert pt.Api(tmp_path).runs() == []


def test_a_bad_setting_does_not_finish_the_active_run(tmp_path):
    run = pt.init(dir=tmp_path, project="p", settings=QUIET)
    run.log({"x": 1})
    with pytest.raises(UsageError, match="flush_interval"):
        pt.init(dir=tmp_path, project="p", settings={**QUIET, "flush_interval": 0})
    assert not run.finished and pt.run is run
    run.log({"x": 2})
    run.finish()
    assert [r["x"] for r in pt.Api(tmp_path).run(run.id).history(pandas=False)] == [1, 2]


def test_valid_values_and_wandb_settings_are_taken(tmp_path):
    s = Settings.resolve({"flush_interval": 0.01, "heartbeat_interval": 10, "catalog_interval": 0.1,
                          "monitor_interval": 0, "strict_steps": True, "start_method": "thread",
                          "_disable_stats": True, "x_stats_gpu_device_ids": [0]})
    assert (s.flush_interval, s.heartbeat_interval, s.catalog_interval) == (0.01, 10.0, 0.1)
    assert s.monitor_interval is None and s.strict_steps and s.extra == {"start_method": "thread", "x_stats_gpu_device_ids": [0]}
    run = pt.init(dir=tmp_path, project="p", settings={**QUIET, "flush_interval": 0.01})
    run.log({"x": 1})
    run.finish()
    assert pt.Api(tmp_path).run(run.id).summary["x"] == 1


def test_a_settings_object_and_the_environment_are_validated_too(monkeypatch):
    with pytest.raises(UsageError, match=r"settings\['flush_interval'\]=0 "):
        Settings.resolve(Settings(flush_interval=0))
    with pytest.raises(UsageError, match="is not a dict"):
        Settings.resolve(["flush_interval", 1])  # type: ignore[arg-type]
    monkeypatch.setenv("PY_TRACKER_FLUSH_INTERVAL", "0")
    with pytest.raises(UsageError, match="PY_TRACKER_FLUSH_INTERVAL='0'.*cannot be turned off"):
        Settings.resolve()
    monkeypatch.setenv("PY_TRACKER_FLUSH_INTERVAL", "99999")
    with pytest.raises(UsageError, match="PY_TRACKER_FLUSH_INTERVAL=99999.0 is out of range"):
        Settings.resolve()
