"""`LiveBokehModel.get_state()`: the figure as it is now (what a reloaded page renders), and
serialized once per document change, so answering ipywidgets' `request_states` (which asks
every widget twice) stays fast with many charts."""
from __future__ import annotations

import base64
import gzip
import json

import numpy as np
from bokeh.models import ColumnDataSource
from bokeh.plotting import figure

from py_tracker.notebook.live.bokeh_widget import LiveBokehModel
from py_tracker.notebook.live.updater import DOC_LOCK


def _chart() -> tuple[LiveBokehModel, ColumnDataSource]:
    src = ColumnDataSource({"x": np.arange(3.0), "y": np.array([1.0, 2.0, 3.0])})
    fig = figure(height=200, width=300)
    fig.line("x", "y", source=src)
    return LiveBokehModel(fig), src


def _drawn_ys(widget: LiveBokehModel, src: ColumnDataSource) -> list[float]:
    """The `y` column of `src` in the widget's state, decoded as BokehJS would."""
    bundle = json.loads(widget.get_state()["render_bundle"])
    (doc,) = bundle["docs_json"].values()
    found: list[list[float]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("id") == src.id:
                col = node["attributes"]["data"]["entries"]
                y = dict((k, v) for k, v in col)["y"]
                found.append(_decode(y))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc["roots"])
    assert len(found) == 1, found
    return found[0]


def _decode(col: object) -> list[float]:
    if isinstance(col, list):
        return [float(v) for v in col]
    assert isinstance(col, dict) and col.get("type") == "ndarray", col
    raw = base64.b64decode(col["array"]["data"] if isinstance(col["array"], dict) else col["array"])
    if raw[:2] == b"\x1f\x8b":  # Bokeh gzips larger arrays
        raw = gzip.decompress(raw)
    return np.frombuffer(raw, dtype=col["dtype"]).astype(float).tolist()


def test_the_state_is_the_figure_now_not_as_created() -> None:
    widget, src = _chart()
    assert _drawn_ys(widget, src) == [1.0, 2.0, 3.0]
    with DOC_LOCK:
        src.stream({"x": np.array([3.0, 4.0]), "y": np.array([4.0, 5.0])})
    assert _drawn_ys(widget, src) == [1.0, 2.0, 3.0, 4.0, 5.0]
    with DOC_LOCK:
        src.data = {"x": np.arange(2.0), "y": np.array([9.0, 8.0])}
    assert _drawn_ys(widget, src) == [9.0, 8.0]


def test_an_unchanged_figure_is_serialized_once() -> None:
    widget, src = _chart()
    calls = []
    real = widget._model_to_traits

    def counted(model):  # type: ignore[no-untyped-def]
        calls.append(model)
        return real(model)

    widget._model_to_traits = counted  # type: ignore[method-assign]
    first = widget.get_state()["render_bundle"]
    assert widget.get_state()["render_bundle"] == first and calls == []  # the one made at creation
    with DOC_LOCK:
        src.stream({"x": np.array([3.0]), "y": np.array([7.0])})
    assert widget.get_state()["render_bundle"] != first and len(calls) == 1
    widget.get_state()
    assert len(calls) == 1
    # a change the page made (a zoom arrives as a property change) is a change too
    widget.get_state()
    with DOC_LOCK:
        widget._model.x_range.start = -1.0
    widget.get_state()
    assert len(calls) == 2
    assert widget.state_sent_at is not None


def test_changes_the_page_made_do_not_count_and_a_recent_snapshot_may_serve_a_live_chart() -> None:
    widget, src = _chart()
    calls = []
    real = widget._model_to_traits
    widget._model_to_traits = lambda m: calls.append(m) or real(m)  # type: ignore[method-assign]
    # a range the page computed while drawing arrives with the widget as setter
    with DOC_LOCK:
        widget._model.x_range.start = 0.5  # a kernel change
    widget.get_state()
    assert len(calls) == 1
    from bokeh.document.events import ModelChangedEvent
    event = ModelChangedEvent(widget._document, widget._model.x_range, "end", 9.0, setter=widget)
    widget._document_patched(event)
    widget.get_state()
    assert len(calls) == 1  # the page's own change: the snapshot still serves
    # the default: any kernel change means a new snapshot
    with DOC_LOCK:
        src.stream({"x": np.array([3.0]), "y": np.array([4.0])})
    assert _drawn_ys(widget, src)[-1] == 4.0 and len(calls) == 2
    # a live chart (which re-sends its data after a state request) may serve a recent one
    widget.reuse_for = 60.0
    with DOC_LOCK:
        src.stream({"x": np.array([4.0]), "y": np.array([5.0])})
    assert _drawn_ys(widget, src)[-1] == 4.0 and len(calls) == 2
    widget.reuse_for = 0.0
    assert _drawn_ys(widget, src)[-1] == 5.0 and len(calls) == 3
