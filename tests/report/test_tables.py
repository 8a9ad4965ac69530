"""A logged wandb.Table in a report: a static, escaped table with images in cells, sortable and
filterable by the page's own nonce'd script (the CSP refuses any other), capped at 500 rows."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

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
