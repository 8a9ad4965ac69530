"""Runs table: 1,000 runs open in <= 1 s; header sort, filter by shown names, row checkboxes,
paging, column choice, group aggregates, compare (real ipywidgets, real catalog on disk)."""
from __future__ import annotations

import time

import pytest
from IPython.core.error import UsageError

import py_tracker as pt
from py_tracker.notebook.tables.runs_table import RunsTable, filter_rows, runs_table, sort_rows
from py_tracker.storage.catalog import Catalog

from .conftest import QUIET


def _fake_catalog(root, n):
    """n finished run records written straight into the catalog (as init/finish leave them)."""
    cat = Catalog(root)
    now = time.time()
    with cat.transaction():
        cat.insert_new("projects", {"name": "big", "created_at": now})
        docs = [{"id": f"r{i:07d}", "project": "big", "name": f"run-{i}", "group": f"g{i % 4}",
                 "job_type": "train", "tags": [], "state": "finished", "created_at": now + i,
                 "updated_at": now + i, "heartbeat_at": now + i, "runtime": float(i),
                 "config": {"lr": i / n, "layers": i % 5, "opt": "adam" if i % 2 else "sgd"},
                 "summary": {"loss": 1 - i / n, "acc": {"max": i / n}}, "last_step": 99,
                 "metrics": [], "exit_code": 0} for i in range(n)]
        cat.put_many("runs", docs)  # one locked append for all of them


def test_thousand_runs_open_fast(store):
    _fake_catalog(store, 1000)
    t = time.perf_counter()
    table = RunsTable("big", root=store)
    elapsed = time.perf_counter() - t
    assert elapsed <= 1.0, f"runs table took {elapsed:.2f} s"
    assert len(table.rows) == 1000
    assert {"config.lr", "config.opt", "summary.loss", "summary.acc.max"} <= set(table.columns)
    table.filter.value = "lr > 0.5 and opt == 'adam'"
    assert len(table.rows) == 250 and all(r["config.lr"] > 0.5 for r in table.rows)
    table.filter.value = "run-99"
    assert {r["name"] for r in table.rows} >= {"run-99", "run-990"}
    table.filter.value = ""
    table.sort_by("summary.loss")
    assert table.rows[0]["name"] == "run-999"
    table.group.value = "group"
    assert "group: g0" in table.body.children[0].value


def test_filter_errors_and_sorting():
    rows = [{"name": "a", "config.lr": 0.1}, {"name": "b", "config.lr": None}, {"name": "c", "config.lr": 0.3}]
    assert [r["name"] for r in sort_rows(rows, "config.lr", descending=True)] == ["c", "a", "b"]
    assert [r["name"] for r in filter_rows(rows, "config.lr >= 0.2")] == ["c"]
    with pytest.raises(UsageError, match="not a valid expression"):
        filter_rows(rows, "lr >")


def test_table_escapes_and_compares_selection(store):
    for name, lr in (("<img src=x>", 0.1), ("b", 0.2)):
        run = pt.init(project="t", name=name, config={"lr": lr}, settings=QUIET)
        for i in range(20):
            run.log({"loss": lr * (20 - i)})
        run.finish()
    table = runs_table("t")
    cells = "".join(box.children[1].value for box in table.body.children)
    assert "&lt;img src=x&gt;" in cells and "<img src=x>" not in cells
    assert "&lt;img src=x&gt;" in table.html and "<img src=x>" not in table.html
    for box in table.body.children:
        box.children[0].value = True  # tick each row's checkbox, as a click does
    assert set(table.selected) == {r["id"] for r in table.rows}
    panel = table.compare()
    assert panel is not None and set(panel.figures) == {"loss"}


def _header_button(table, label):
    """The header button whose label (without the sort arrow) is `label`."""
    for b in table.header.children[1:]:
        if b.description.split(" ▲")[0].split(" ▼")[0] == label:
            return b
    raise AssertionError(f"no header {label!r} in {[b.description for b in table.header.children[1:]]}")


def _cells(table):
    """The text of every body row (group headers included), tags stripped."""
    import re
    return [re.sub(r"<[^>]+>", "|", box.value if hasattr(box, "value") else box.children[1].value)
            for box in table.body.children]


def test_row_checkboxes_select_across_pages_and_feed_compare(store):
    for i in range(3):
        run = pt.init(project="cb", name=f"r{i}", config={"lr": 0.1 * (i + 1)}, settings=QUIET)
        for s in range(5):
            run.log({"loss": (i + 1) * (5 - s)})
        run.finish()
    table = runs_table("cb")
    assert not any(type(c).__name__ == "SelectMultiple" and c.description == "select"
                   for c in table.widget.children)
    boxes = table.body.children
    assert len(boxes) == 3 and all(type(b.children[0]).__name__ == "Checkbox" for b in boxes)
    boxes[0].children[0].value = True
    boxes[2].children[0].value = True
    ticked = [table.rows[0]["id"], table.rows[2]["id"]]
    assert table.selected == ticked
    table.sort_by("name")  # re-ordering keeps the ticks on the same runs
    assert table.selected == [r["id"] for r in table.rows if r["id"] in ticked]
    assert [b.children[0].value for b in table.body.children] == [r["id"] in ticked for r in table.rows]
    panel = table.compare()
    assert panel is not None and set(panel.figures) == {"loss"}
    boxes[0].children[0].value = False
    assert len(table.selected) == 1
    table.select_page.value = True  # the header box ticks the page
    assert len(table.selected) == 3


def test_header_click_sorts_toggles_and_keeps_missing_last(store):
    _fake_catalog(store, 30)
    cat = Catalog(store)
    with cat.transaction():
        cat.put_many("runs", [{"id": "nolr", "project": "big", "name": "no-lr", "state": "finished",
                               "created_at": 0.0, "config": {}, "summary": {}, "tags": [], "metrics": []}])
    table = RunsTable("big", root=store)
    _header_button(table, "lr").click()
    lrs = [r.get("config.lr") for r in table.rows]
    assert lrs[:-1] == sorted(lrs[:-1]) and lrs[-1] is None
    assert _header_button(table, "lr").description.endswith("▲")
    _header_button(table, "lr").click()
    lrs = [r.get("config.lr") for r in table.rows]
    assert lrs[:-1] == sorted(lrs[:-1], reverse=True) and lrs[-1] is None
    assert _header_button(table, "lr").description.endswith("▼")
    assert "run-29" in _cells(table)[0]


def test_filter_by_the_column_name_as_shown(store):
    for i, acc in enumerate((0.5, 0.95)):
        run = pt.init(project="fs", name=f"run{i}", config={"opt": "adam"}, settings=QUIET)
        run.define_metric("val/acc", summary="max")
        for s, a in enumerate((acc - 0.2, acc, acc - 0.1)):
            run.log({"val/acc": a})
        run.finish()
    table = runs_table("fs")
    assert "val/acc.max" in [b.description.rstrip(" ▲▼") for b in table.header.children[1:]]
    table.filter.value = "val/acc.max > 0.9 and opt == 'adam'"
    assert table.message.value == "" and [r["name"] for r in table.rows] == ["run1"]
    table.filter.value = "summary.val/acc.max < 0.9"  # the internal key works too
    assert [r["name"] for r in table.rows] == ["run0"]
    table.filter.value = "name == 'val/acc.max'"  # quoted text is not a column
    assert table.rows == []
    table.filter.value = "val/acc.max >"
    assert "not a valid expression" in table.message.value


def test_pages_past_five_hundred_rows(store):
    _fake_catalog(store, 1203)
    table = RunsTable("big", root=store)
    assert len(table.body.children) == 50 and table.page_label.value == "rows 1–50 of 1203"
    assert table.prev_button.disabled and not table.next_button.disabled
    table.page_size.value = 500
    table.next_button.click()
    table.next_button.click()
    assert table.page_label.value == "rows 1001–1203 of 1203" and len(table.body.children) == 203
    assert table.next_button.disabled
    assert table.page_rows[-1]["name"] == "run-0"  # newest first: the last page ends with the oldest
    table.prev_button.click()
    assert table.page_label.value == "rows 501–1000 of 1203"
    table.filter.value = "layers == 0"
    assert table.page_label.value == "rows 1–241 of 241 (of 1203 runs)"


def test_columns_media_hidden_by_default_and_compact_rows(store):
    import numpy as np
    run = pt.init(project="cols", name="m", config={"lr": 0.1}, settings=QUIET)
    run.log({"loss": 1.0, "img": pt.Image(np.zeros((4, 4, 3), dtype=np.uint8)),
             "hist": pt.Histogram(np.arange(10))})
    run.finish()
    table = runs_table("cols")
    shown = [b.description.rstrip(" ▲▼") for b in table.header.children[1:]]
    assert "loss" in shown and "img" not in shown and "hist" not in shown
    assert {"summary.img", "summary.hist"} <= {v for _l, v in table.column_choice.options}
    table.column_choice.value = (*table.column_choice.value, "summary.img")
    assert "img" in [b.description.rstrip(" ▲▼") for b in table.header.children[1:]]
    table.column_choice.value = tuple(c for c in table.column_choice.value if c != "config.lr")
    assert "lr" not in [b.description.rstrip(" ▲▼") for b in table.header.children[1:]]
    assert "pyt-rt-compact" not in table.body._dom_classes
    table.compact.value = True
    assert "pyt-rt-compact" in table.body._dom_classes and table.body.children[0].children[0].layout.height == "18px"


def test_group_by_a_config_key_with_aggregates(store):
    _fake_catalog(store, 20)
    table = RunsTable("big", root=store)
    assert ("opt", "config.opt") in table.group.options
    table.group.value = "config.opt"
    groups = [c for c in table.body.children if not hasattr(c, "children")]
    assert len(groups) == 2
    text = _cells(table)
    adam = next(t for t in text if "opt: adam (10 runs)" in t)
    # runs 1,3,...,19: summary.loss = 1 - i/20 -> mean 0.5, min 0.05, max 0.95
    assert "0.5 [0.05, 0.95]" in adam
    rows_after_adam = text[text.index(adam) + 1:text.index(adam) + 11]
    assert len(rows_after_adam) == 10 and all("adam" in t for t in rows_after_adam)


def test_user_text_escaped_in_cells_titles_and_group_rows(store):
    for i in range(2):
        run = pt.init(project="esc", name=f"<b>r{i}", config={"<i>k": "<script>x</script>", "n": i},
                      settings=QUIET)
        run.log({"loss": 1.0})
        run.finish()
    table = runs_table("esc")
    table.group.value = "config.<i>k"
    html_out = "".join(c.value if hasattr(c, "value") else c.children[1].value for c in table.body.children)
    assert "<script>" not in html_out and "<b>r" not in html_out and "<i>k" not in html_out
    assert "&lt;i&gt;k: &lt;script&gt;x&lt;/script&gt; (2 runs)" in html_out
    assert "&lt;b&gt;r0" in html_out


def test_pinned_columns_come_first_with_their_sticky_offsets(store):
    run = pt.init(project="pin", name="p0", config={"lr": 0.1, "bs": 32}, settings=QUIET)
    run.log({"loss": 0.5})
    run.finish()
    table = runs_table("pin")
    assert table.pinned == ["name"] and table.visible_columns[0] == "name"
    table.pin("lr")  # by its shown name
    assert table.visible_columns[:2] == ["name", "config.lr"]
    cells = table.body.children[0].children[1].value
    name_w = table._widths(table.visible_columns, table.page_rows)["name"]
    assert "class='pyt-rt-c pyt-rt-pin' data-col='name'" in cells and "left:28px" in cells
    assert f"left:{28 + name_w}px" in cells and "pyt-rt-pin pyt-rt-pin-last' data-col='config.lr'" in cells
    assert f".pyt-rt-pin-at-{28 + name_w}{{left:{28 + name_w}px}}" in table.pin_css.value
    table.pin("name", False)
    assert table.visible_columns[0] == "config.lr" and table.pinned == ["config.lr"]
    with pytest.raises(ValueError, match="no column 'nope' to pin"):
        table.pin("nope")
