"""Compare: overlaid runs, group mean with min-max band, config diff, parallel coordinates."""
from __future__ import annotations

import numpy as np

import py_tracker as pt
from py_tracker.notebook.tables.compare import compare, config_diff_html, group_band

from .conftest import QUIET


def _runs(store):
    out = []
    for i, (group, lr) in enumerate((("A", 0.1), ("A", 0.2), (None, 0.3))):
        run = pt.init(project="c", name=f"r{i}", group=group, config={"lr": lr, "bs": 32}, settings=QUIET)
        for s in range(50):
            run.log({"loss": lr * (50 - s) + i})
        run.finish()
        out.append(pt.Api(store).run(run.id))
    return out


def test_group_band_mean_min_max():
    x = np.arange(10.0)
    g, mean, lo, hi = group_band([(x, x), (x, x + 2)])
    assert np.allclose(mean, g + 1) and np.allclose(lo, g) and np.allclose(hi, g + 2)


def test_compare_overlays_groups_and_diffs(store):
    runs = _runs(store)
    panel = compare(runs)
    fig = panel.figures["loss"]
    labels = [item.label.value for item in fig.legend[0].items]
    assert labels[0] == "A (mean of 2)" and labels[1].startswith("r2")
    assert any(type(r.glyph).__name__ == "VArea" for r in fig.renderers)
    diff = config_diff_html(runs)
    assert "class='pyt-diff'><td>lr" in diff and "class='pyt-diff'><td>bs" not in diff
    assert panel.parallel is not None and panel.parallel_axes == ["bs", "lr", "loss"]


def test_group_line_runs_to_the_longest_run_and_can_be_ungrouped(store):
    runs = []
    for i, steps in enumerate((30, 80)):
        run = pt.init(project="c2", name=f"g{i}", group="G", settings=QUIET)
        run.define_metric("val/acc", step_metric="epoch")
        for s in range(steps):
            run.log({"loss": float(s) + 2 * i})
            if s % 10 == 9:
                run.log({"epoch": s // 10, "val/acc": s / 100})
        run.finish()
        runs.append(pt.Api(store).run(run.id))
    panel = compare(runs)
    fig = panel.figures["loss"]
    mean_line = next(r for r in fig.renderers if type(r.glyph).__name__ == "Line")
    xs = np.asarray(mean_line.data_source.data["x"])
    assert xs.max() == 86  # the longer run's last loss step (80 loss rows and 7 epoch rows before it)
    assert not panel.group_toggle.layout.display  # a group of two: the toggle is shown
    panel.group_toggle.value = False
    labels = [item.label.value for item in panel.figures["loss"].legend[0].items]
    assert len(labels) == 2 and labels[0].startswith("g0") and labels[1].startswith("g1")
    assert len(panel.charts.children) == len(panel.keys)
    # val/acc is drawn against its step metric
    acc = panel.figures["val/acc"]
    assert acc.xaxis[0].axis_label == "epoch"
    line = next(r for r in acc.renderers if type(r.glyph).__name__ == "Line")
    assert list(line.data_source.data["x"]) == [0, 1, 2]
