"""The sidebar's usability at JupyterLab's default sizes, read from what Chromium lays out
(issue 16, "Sidebar"): the run list sorts by a summary metric both ways, every filter
control sits fully inside the panel, the Summary tab's key column is readable next to a
long value, the Files tab puts the preview beside the list, and a long lineage chain
fits its tab without horizontal scrolling."""
from __future__ import annotations

from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.artifacts import Artifact, run_log_artifact, run_use_artifact

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
SCORES = {"low": 0.2, "mid": 0.5, "high": 0.9}
CHAIN = 7  # runs and artifacts alternating: 7 columns, wider than the main area


def _run(store: Path, name: str, **kw):
    return pt.init(dir=store, project="layout", name=name, settings=QUIET, reinit="create_new", **kw)


@pytest.fixture(scope="module")
def runs(lab) -> dict[str, str]:
    """Three finished runs with a `score` metric (one with a long list in its summary and a
    text file), plus a lineage chain run -> artifact -> run -> ...; names -> ids."""
    ids = {}
    for name, score in SCORES.items():
        run = _run(lab.store, name)
        for i in range(3):
            run.log({"score": score * (i + 1) / 3, "val/loss": 1 - score})
        if name == "mid":
            run.summary["histogram_of_weights"] = list(range(400))
            (Path(run.dir) / "notes.txt").write_text("a note\n" * 5)
            run.save(str(Path(run.dir) / "notes.txt"), base_path=run.dir)
        run.finish()
        ids[name] = run.id
    previous = None
    for k in range(CHAIN // 2 + 1):
        run = _run(lab.store, f"stage-{k}")
        if previous:
            run_use_artifact(run, f"{previous}:latest")
        if k < CHAIN // 2:
            art = Artifact(f"art-{k}", "dataset")
            with art.new_file("x.txt") as f:
                f.write("x")
            run_log_artifact(run, art)
            previous = f"art-{k}"
        run.finish()
        ids[f"stage-{k}"] = run.id
    return ids


def _open_sidebar(page) -> None:
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")
    page.select_option(".jp-PyTracker-project", "layout")
    page.locator(".jp-PyTracker-runRow").first.wait_for(timeout=20_000)


def _names(page) -> list[str]:
    return page.eval_on_selector_all(".jp-PyTracker-runRow .jp-PyTracker-runName", "ns => ns.map(n => n.textContent)")


def test_sort_by_metric_both_ways(lab, page, runs):
    _open_sidebar(page)
    sort = page.locator(".jp-PyTracker-sort")
    options = sort.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "summary.score" in options and "summary.val/loss" in options, options
    assert not any(o.startswith("summary._") for o in options), options
    sort.select_option("summary.score")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-PyTracker-runName')].slice(0, 3).map(n => n.textContent)"
        ".join() === 'high,mid,low'", timeout=15_000)
    assert _names(page)[:3] == ["high", "mid", "low"]  # descending; runs without score after
    page.click(".jp-PyTracker-order")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.jp-PyTracker-runName')].slice(0, 3).map(n => n.textContent)"
        ".join() === 'low,mid,high'", timeout=15_000)
    lab.screenshot(page, "layout-01-sorted")


def test_filters_inside_the_default_panel(lab, page, runs):
    _open_sidebar(page)
    # the panel the user sees: JupyterLab's left area (it clips a sidebar wider than itself)
    stack = page.locator("#jp-left-stack").bounding_box()
    own = page.locator(".jp-PyTracker-sidebar").bounding_box()
    assert own["x"] + own["width"] <= stack["x"] + stack["width"] + 0.5, (stack, own)
    panel = stack
    controls = page.locator(".jp-PyTracker-filters > *:visible, .jp-PyTracker-project, .jp-PyTracker-search")
    boxes = controls.evaluate_all(
        "ns => ns.map(n => { const r = n.getBoundingClientRect();"
        " return {cls: n.className, title: n.title, left: r.left, right: r.right, width: r.width}; })")
    assert len(boxes) >= 6, boxes
    for b in boxes:
        assert b["left"] >= panel["x"] - 0.5 and b["right"] <= panel["x"] + panel["width"] + 0.5, (panel, b)
        if "select" in b["cls"]:
            # wide enough for its label ("Any state", a metric name), not squeezed to an arrow
            assert b["width"] >= 70, b
    # a select shows its chosen text whole: the text, its padding and the drop-down arrow
    # (about 20 px in Chromium) fit in its box
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.jp-PyTracker-filters select')].filter(s => {"
        " const c = document.createElement('canvas').getContext('2d'); const st = getComputedStyle(s);"
        " c.font = st.font;"
        " const need = c.measureText(s.selectedOptions[0]?.text ?? '').width + 20"
        "   + parseFloat(st.paddingLeft) + parseFloat(st.paddingRight);"
        " return need > s.clientWidth; }).map(s => [s.title, s.clientWidth])")
    assert clipped == [], clipped
    lab.screenshot(page, "layout-02-filters")


def _open_run(page, name: str, run_id: str, tab: str):
    page.locator(".jp-PyTracker-runRow").filter(
        has=page.locator(".jp-PyTracker-runName", has_text=name)).first.locator(".jp-PyTracker-runName").click()
    view = page.locator(f"#py-tracker-run-{run_id}")
    view.wait_for(timeout=20_000)
    view.locator(f".jp-PyTracker-tab[data-tab='{tab}']").click()
    return view


def test_summary_keys_readable(lab, page, runs):
    _open_sidebar(page)
    view = _open_run(page, "mid", runs["mid"], "Summary")
    view.locator(".jp-PyTracker-kv th", has_text="histogram_of_weights").wait_for(timeout=10_000)
    # every key is drawn on one line (none is longer than the column's minimum)
    lines = view.locator(".jp-PyTracker-kv th").evaluate_all(
        "ns => ns.map(n => { const r = document.createRange(); r.selectNodeContents(n);"
        " const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));"
        " return [n.textContent, tops.size, n.getBoundingClientRect().width]; })")
    assert {k for k, _, _ in lines} >= {"score", "val/loss", "histogram_of_weights"}, lines
    for key, n_lines, width in lines:
        assert n_lines == 1 and width >= 60, (key, n_lines, width)
    lab.screenshot(page, "layout-03-summary")


def test_file_preview_beside_the_list(lab, page, runs):
    _open_sidebar(page)
    view = _open_run(page, "mid", runs["mid"], "Files")
    view.locator(".jp-PyTracker-files a", has_text="notes.txt").click()
    view.locator(".jp-PyTracker-preview pre", has_text="a note").wait_for(timeout=10_000)
    files = view.locator(".jp-PyTracker-files").bounding_box()
    preview = view.locator(".jp-PyTracker-preview").bounding_box()
    body = view.locator(".jp-PyTracker-body").bounding_box()
    assert body["width"] > 700, body  # the main area at the default window size is wide
    assert preview["x"] >= files["x"] + files["width"] - 0.5, (files, preview)  # a second column
    assert abs(preview["y"] - files["y"]) < 5, (files, preview)  # side by side, not below
    assert preview["x"] + preview["width"] <= body["x"] + body["width"] + 0.5, (body, preview)
    lab.screenshot(page, "layout-04-files")


def test_lineage_fits_its_tab(lab, page, runs):
    _open_sidebar(page)
    last = f"stage-{CHAIN // 2}"
    view = _open_run(page, last, runs[last], "Lineage")
    svg = view.locator("svg.jp-PyTracker-lineage")
    svg.wait_for(timeout=10_000)
    natural = int(svg.get_attribute("width"))
    metrics = view.locator(".jp-PyTracker-body").evaluate(
        "b => ({scroll: b.scrollWidth, client: b.clientWidth})")
    drawn = svg.bounding_box()
    body = view.locator(".jp-PyTracker-body").bounding_box()
    assert natural > body["width"], (natural, body)  # the chain is wider than the tab...
    assert metrics["scroll"] <= metrics["client"], metrics  # ...yet nothing scrolls sideways
    assert drawn["x"] + drawn["width"] <= body["x"] + body["width"] + 0.5, (drawn, body)
    assert drawn["height"] > 20  # scaled, not collapsed
    lab.screenshot(page, "layout-05-lineage")
