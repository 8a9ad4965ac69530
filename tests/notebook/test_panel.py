"""RunPanel built from real runs: Bokeh source data, throttling, tabs, Stop, escaping."""
from __future__ import annotations

import time

import numpy as np

import py_tracker as pt
from py_tracker.notebook.live.charts import LiveChart
from py_tracker.notebook.live.panel import RunPanel

from .conftest import QUIET, wait_for


def test_live_panel_streams_batched(store):
    run = pt.init(project="p", config={"lr": 0.1}, settings=QUIET)
    panel = RunPanel(run, interval=0.1)
    assert panel.updater.alive
    n = 5000
    for i in range(n):
        run.log({"train/loss": 1.0 / (i + 1), "train/acc": i / n})
        if i % 1000 == 999:
            time.sleep(0.15)
    assert wait_for(lambda: panel.charts.charts.get("train/loss") is not None
                    and panel.charts.charts["train/loss"].n == n)
    chart = panel.charts.charts["train/loss"]
    # N logs -> a handful of flushes, never one message per log() call
    assert 1 <= chart.flushes <= 60 and chart.stream_calls <= chart.flushes
    run.finish()
    assert wait_for(lambda: not panel.updater.alive)
    shown = len(chart.source.data["x"]) + len(chart.tail.data["x"])
    assert shown <= 4 * chart.target + 4  # reduced per bucket
    assert max(chart.source.data["y"]) == 1.0  # the first (max) point survives the reduction
    assert panel.stop_button.layout.display == "none"
    assert "finished" in panel.title.value and "step <b>5000</b>" in panel.status.value


def test_finished_run_panel_is_static_and_complete(store):
    run = pt.init(project="p", name="<b>evil</b>", group="g&1", job_type="train", settings=QUIET)
    for i in range(300):
        run.log({"loss": float(300 - i), "val/acc": i / 300.0} if i % 10 == 0 else {"loss": float(300 - i)})
    run.finish()
    panel = RunPanel(pt.Api(store).run(run.id))
    assert not panel.updater.alive
    loss = panel.charts.charts["loss"]
    assert isinstance(loss, LiveChart) and loss.n == 300
    assert list(loss.source.data["x"][:3]) == [0, 1, 2]
    assert panel.charts.charts["val/acc"].n == 30
    # the widget is born with its data (a patch sent before the browser view exists is lost)
    from bokeh.core.json_encoder import serialize_json
    assert '"shape":[300]' in serialize_json(loss.widget.render_bundle).replace(" ", "")
    assert "&lt;b&gt;evil&lt;/b&gt;" in panel.title.value and "<b>evil</b>" not in panel.title.value
    assert "g&amp;1" in panel.status.value
    sections = [c.children[0].value for c in panel.charts.widget.children]
    assert sections == ["<b>Charts</b>", "<b>val</b>"]


def test_controls_smoothing_log_and_x_axis(store):
    run = pt.init(project="p", settings=QUIET)
    run.define_metric("val/acc", step_metric="epoch")
    for i in range(100):
        row = {"loss": 10.0 / (i + 1)}
        if i % 10 == 0:
            row.update({"val/acc": i / 100, "epoch": i // 10})
        run.log(row)
    run.finish()
    panel = RunPanel(pt.Api(store).run(run.id))
    acc = panel.charts.charts["val/acc"]
    assert list(acc.source.data["x"][:3]) == [0, 1, 2]  # its step metric by default
    assert ("epoch", "epoch") in panel.x_axis.options
    panel.smoothing.value = 0.9
    panel.log_y.value = True
    loss = panel.charts.charts["loss"]
    assert loss.smooth_lines[0].visible and loss.raw_lines[0].glyph.line_alpha < 1
    assert np.allclose(loss.source.data["s"][0], 10.0) and loss.source.data["s"][5] > loss.source.data["y"][5]
    assert type(loss.figure.y_scale).__name__ == "LogScale"
    panel.x_axis.value = "_timestamp"
    assert loss.source.data["x"][0] > 1e12  # ms since epoch for the datetime axis
    assert type(loss.figure.xaxis[0].formatter).__name__ == "DatetimeTickFormatter"


def test_zoom_refines_from_full_data(store):
    run = pt.init(project="p", settings=QUIET)
    y = np.zeros(20_000)
    y[10_050] = 5.0
    for v in y:
        run.log({"m": float(v)})
    run.finish()
    panel = RunPanel(pt.Api(store).run(run.id))
    chart = panel.charts.charts["m"]
    assert len(chart.source.data["x"]) < 3000
    chart.zoom(10_000, 10_100)
    xs = list(chart.source.data["x"])
    assert 10_050 in xs and len(xs) >= 100  # every point of the window is back
    chart.redraw()
    assert len(chart.source.data["x"]) < 3000


def test_stop_button_classes_and_click(store):
    run = pt.init(project="p", settings=QUIET)
    panel = RunPanel(run)
    assert "py-tracker-stop" in panel.stop_button._dom_classes
    assert f"py-tracker-run-{run.id}" in panel.stop_button._dom_classes
    panel.stop_button.click()
    assert run.stop_requested and panel.stop_button.disabled
    try:
        run.log({"x": 1})
        raise AssertionError("log() after Stop should raise RunStopped")
    except pt.RunStopped:
        pass
    assert run.state == "stopped"
    assert wait_for(lambda: not panel.updater.alive)


def test_tabs_config_summary_files_logs_media(store):
    run = pt.init(project="p", config={"lr": 0.5, "name": "<script>x</script>"}, settings=QUIET)
    img = np.zeros((8, 8, 3), dtype=np.uint8)
    for i in range(3):
        run.log({"acc": i / 3, "sample": pt.Image(img, caption=f"s{i}"),
                 "w": pt.Histogram(np.random.default_rng(i).normal(size=500))})
    (run.dir / "notes.txt").write_text("hello <world>")
    (run.dir / "output.log").write_text("epoch 1 <ok>\n")
    run.finish()
    panel = RunPanel(pt.Api(store).run(run.id))
    panel.tabs.selected_index = 5  # Config
    assert "&lt;script&gt;" in panel.config.value and "<script>x" not in panel.config.value
    panel.tabs.selected_index = 6
    assert "acc" in panel.summary.value
    panel.tabs.selected_index = 4
    names = [v for _, v in panel.files.select.options]
    assert "notes.txt" in names
    panel.files.select.value = "notes.txt"
    assert "hello &lt;world&gt;" in panel.files.preview.value
    panel.tabs.selected_index = 3
    assert "epoch 1 &lt;ok&gt;" in panel.logs.widget.value
    strip = panel.charts.charts["sample"]
    assert strip.slider.max == 2 and strip.slider.value == 2 and strip.box.children[0].value[:4] == b"\x89PNG"
    strip.slider.value = 0
    assert "s0" in strip.caption.value
    heat = panel.charts.charts["w"]
    assert heat.count == 3 and len(set(heat.source.data["x"])) == 3
    panel.tabs.selected_index = 2
    assert "No model recorded" in panel.model.value


def test_panel_never_slows_log_path(store):
    """The listener only sets an event: the flusher does no panel work per row."""
    run = pt.init(project="p", settings=QUIET)
    panel = RunPanel(run, interval=0.1)
    listener = run._row_listeners[-1]
    rows = [{"a": 1.0, "_step": i} for i in range(10_000)]
    t = time.perf_counter()
    for _ in range(100):
        listener("history", rows)
    assert time.perf_counter() - t < 0.05
    run.finish()
    panel.close()


def test_artifacts_tab_shows_lineage(store, tmp_path):
    import importlib.util
    if importlib.util.find_spec("py_tracker.artifacts") is None:
        import pytest
        pytest.skip("py_tracker.artifacts is not available")
    data = tmp_path / "data.txt"
    data.write_text("1,2,3")
    run = pt.init(project="p", settings=QUIET)
    art = pt.Artifact("digits", type="dataset")
    art.add_file(str(data))
    run.log_artifact(art)
    run.finish()
    panel = RunPanel(pt.Api(store).run(run.id))
    assert panel.tabs.titles[-1] == "Artifacts"
    panel.tabs.selected_index = 7
    assert "Logged (outputs)" in panel.artifacts.value and "digits" in panel.artifacts.value
    assert "dataset" in panel.artifacts.value


def test_new_charts_never_recreate_shown_ones(store):
    """A chart laid out earlier keeps its place in every children list (ipywidgets re-creates
    the views after the first changed position, losing their streamed points); the sorted
    order is the CSS `order` of each widget."""
    run = pt.init(project="p", settings=QUIET)
    panel = RunPanel(run, interval=0.1)
    run.log({"train/loss": 1.0})
    board = panel.charts
    assert wait_for(lambda: "train" in board._sections and board._sections["train"][0] in board.widget.children)
    before_sections = board.widget.children
    train_grid = board._sections["train"][1]
    before_charts = train_grid.children
    run.log({"epoch": 0, "train/acc": 0.5, "gradients/w": 0.1})  # "" and "gradients" sort before "train"
    assert wait_for(lambda: len(board.widget.children) == 3 and len(train_grid.children) == 2)
    assert board.widget.children[:len(before_sections)] == before_sections
    assert train_grid.children[:len(before_charts)] == before_charts
    shown = sorted(board.widget.children, key=lambda b: int(b.layout.order))
    assert [b.children[0].value for b in shown] == ["<b>Charts</b>", "<b>gradients</b>", "<b>train</b>"]
    assert [int(c.layout.order) for c in train_grid.children] == [1, 0]  # loss added first, shown second
    run.finish()
