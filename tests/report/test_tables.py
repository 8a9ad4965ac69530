"""A logged wandb.Table in a report: a static, escaped table with images in cells, sortable and
filterable by the page's own nonce'd script (the CSP refuses any other), capped at 500 rows."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import py_tracker as pt
from py_tracker.media.table_grid import MAX_SHOWN


def test_report_shows_the_newest_table_with_images_escaped(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run(project="tables")
    img = np.full((5, 5, 3), 200, dtype=np.uint8)
    run.log({"preds": pt.Table(columns=["id", "label"], data=[[0, "old"]])})
    t = pt.Table(columns=["id", "label <th>", "score", "image"])
    t.add_data(1, "<script>alert(1)</script>", 0.5, pt.Image(img, caption="a <cap>"))
    t.add_data(2, "dog", None, pt.Image(img))
    run.log({"preds": t, "big": pt.Table(columns=["n"], data=[[i] for i in range(MAX_SHOWN + 3)])})
    run.finish()
    html = pt.report(run.id, root=root, path=tmp_path / "r.html").read_text()

    assert 'id="tables"' in html and '<a href="#tables">Tables</a>' in html
    block = html.split('data-key="preds"', 1)[1].split("</table>", 1)[0]
    assert ">old<" not in block and ">dog<" in block  # the newest value, as the summary holds it
    assert "label &lt;th&gt;" in block
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in block and "<script>alert" not in html
    assert block.count('<img src="data:image/png;base64,') == 2 and "a &lt;cap&gt;" in block
    assert 'data-sort="0.5" data-num="1"' in block  # what the page's sort reads
    big = html.split('data-key="big"', 1)[1].split('class="table-view"', 1)[0]
    assert big.count("<tr><td") == MAX_SHOWN and f"{MAX_SHOWN + 3} rows; showing the first {MAX_SHOWN}" in big

    nonce = re.search(r"script-src 'nonce-([^']+)'", html).group(1)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(f'nonce="{nonce}"' in s or 'type="application/json"' in s for s in scripts)
    assert 'querySelectorAll(".table-view")' in html
    assert not re.search(r"\son\w+=", html)  # no inline handlers (the CSP would refuse them)


CHROMIUM = "/usr/bin/chromium"


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")
def test_table_sorts_filters_and_draws_images_in_chromium(root: Path, new_run, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from .test_browser import FLAGS
    run = new_run(project="tables")
    img = np.full((5, 5, 3), 120, dtype=np.uint8)
    t = pt.Table(columns=["name", "score", "image"])
    for name, score in [("b", 2.0), ("a", 10.0), ("c", None), ("<img src=x onerror=alert(1)>", 1.0)]:
        t.add_data(name, score, pt.Image(img, caption=f"cap-{score}"))
    run.log({"preds": t})
    run.finish()
    out = pt.report(run.id, root=root, path=tmp_path / "r.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            errors: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(out.as_uri())
            box = page.locator('.table-view[data-key="preds"]')

            def names() -> list[str]:
                return box.locator("tbody tr:visible td:first-child").all_inner_texts()

            assert names() == ["b", "a", "c", "<img src=x onerror=alert(1)>"]
            box.locator("th", has_text="score").click()
            assert names() == ["<img src=x onerror=alert(1)>", "b", "a", "c"]  # by value; empty last
            box.locator("th", has_text="score").click()
            assert names() == ["a", "b", "<img src=x onerror=alert(1)>", "c"]
            box.locator("input").fill("CAP-2")
            assert names() == ["b"]
            widths = page.evaluate("() => [...document.querySelectorAll('.table-view img')].map(i => i.naturalWidth)")
            assert widths == [5, 5, 5, 5]  # data: images pass the CSP and decode
            page.wait_for_timeout(200)
            assert dialogs == [] and errors == []
        finally:
            browser.close()


def test_damaged_table_file_is_named_in_the_report(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run(project="tables")
    run.log({"t": pt.Table(columns=["a"], data=[[1]])})
    run.finish()
    for p in (run.dir / "media" / "table").glob("*.table.json"):
        p.write_text("{not json")
    html = pt.report(run.id, root=root, path=tmp_path / "r.html").read_text()
    assert 'id="tables"' in html and "cannot read this table" in html
