"""A logged wandb.Table in the run panel: a table with images in cells, sortable, filterable,
escaped, capped, with a step slider over the values logged under one key."""
from __future__ import annotations

import re

import numpy as np

import py_tracker as pt
from py_tracker.media.table_grid import MAX_SHOWN
from py_tracker.notebook.live.panel import RunPanel
from py_tracker.notebook.live.table_view import TableView

from .conftest import QUIET


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in body.split("</tr>") if "<td" in tr]


def test_panel_shows_logged_table_with_images_sort_filter_and_steps(store):
    run = pt.init(project="p", settings=QUIET)
    img = np.zeros((6, 6, 3), dtype=np.uint8)
    for step in range(2):
        t = pt.Table(columns=["id", "label", "score", "image"])
        for i, (label, score) in enumerate([("cat", 0.2), ("<b>dog</b>", 0.9), ("bird", None)]):
            t.add_data(i + 10 * step, label, score, pt.Image(img + i, caption=f"c{i}<x>"))
        run.log({"preds": t, "loss": 1.0 / (step + 1)})
    run.finish()

    panel = RunPanel(pt.Api(store).run(run.id))
    view = panel.charts.charts["preds"]
    assert isinstance(view, TableView)
    assert view.slider.max == 1 and view.slider.value == 1  # newest value shown
    html = view.table.value
    rows = _rows(html)
    assert [r[0] for r in rows] == ["10", "11", "12"]
    assert html.count('<img src="data:image/png;base64,') == 3
    assert "&lt;b&gt;dog&lt;/b&gt;" in html and "<b>dog" not in html  # cells escaped
    assert "c0&lt;x&gt;" in html and "<x>" not in html  # captions escaped
    assert "3 rows" in view.table.value

    view.sort.value = "score"
    assert [r[1] for r in _rows(view.table.value)] == ["cat", "&lt;b&gt;dog&lt;/b&gt;", "bird"]
    view.descending.value = True
    assert [r[1] for r in _rows(view.table.value)] == ["&lt;b&gt;dog&lt;/b&gt;", "cat", "bird"]  # empty last

    view.query.value = "BIR"
    assert [r[1] for r in _rows(view.table.value)] == ["bird"]
    assert "1 of 3 rows match" in view.table.value
    view.query.value = ""

    view.slider.value = 0  # the earlier step's table
    assert [r[0] for r in _rows(view.table.value)] == ["1", "0", "2"]  # still sorted by score desc
    assert "step 0" in view.note.value


def test_panel_caps_rows_with_a_note(store):
    run = pt.init(project="p", settings=QUIET)
    run.log({"big": pt.Table(columns=["n"], data=[[i] for i in range(MAX_SHOWN + 20)])})
    run.finish()
    view = RunPanel(pt.Api(store).run(run.id)).charts.charts["big"]
    assert len(_rows(view.table.value)) == MAX_SHOWN
    assert f"{MAX_SHOWN + 20} rows; showing the first {MAX_SHOWN}" in view.table.value


def test_damaged_table_file_is_reported_not_raised(store):
    run = pt.init(project="p", settings=QUIET)
    run.log({"t": pt.Table(columns=["a"], data=[[1]])})
    run.finish()
    for p in (run.dir / "media" / "table").glob("*.table.json"):
        p.write_text("{not json")
    view = RunPanel(pt.Api(store).run(run.id)).charts.charts["t"]
    assert "cannot read the table" in view.note.value and view.table.value == ""
