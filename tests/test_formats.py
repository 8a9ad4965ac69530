"""The one flattener and duration text every layer uses (py_tracker.formats)."""
from __future__ import annotations

from py_tracker.formats import duration_text, flatten


def test_flatten_nested_dicts_keeps_media_and_empty_dicts_whole():
    img = {"_type": "image-file", "path": "media/a.png"}
    assert flatten({"model": {"depth": 2, "act": {"name": "relu"}}, "img": img, "empty": {}, "lr": 0.1}) == {
        "model.depth": 2, "model.act.name": "relu", "img": img, "empty": {}, "lr": 0.1}
    assert flatten({"a": {"b": 1}}, "config.") == {"config.a.b": 1}
    assert flatten(None) == {} and flatten([1, 2]) == {}


def test_duration_text():
    assert [duration_text(s) for s in (0, 42.9, 65, 3723)] == ["0s", "42s", "1m 05s", "1h 02m 03s"]
    assert duration_text(0.84, decimals_under_a_minute=True) == "0.8s"
    assert duration_text(125, decimals_under_a_minute=True) == "2m 05s"
    assert duration_text(-3) == "0s" and duration_text(None) == "" and duration_text("x") == ""
