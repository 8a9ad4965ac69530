"""TableGrid on real stored tables: files it reads stay inside the run folder (symlinks
included), odd cells never break it, and the sort puts empty cells last."""
from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import orjson
import pytest

from py_tracker.media.image import Image
from py_tracker.media.table import Table
from py_tracker.media.table_grid import TableGrid


def _stored(files_dir: Path, table: Table) -> dict:
    return table.to_json(files_dir, "t", 0)


def test_image_cells_outside_the_run_folder_are_refused(tmp_path: Path) -> None:
    files = tmp_path / "run" / "files"
    files.mkdir(parents=True)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    doc = _stored(files, Table(columns=["img"], data=[[Image(np.zeros((3, 3, 3), dtype=np.uint8))]]))
    body = orjson.loads((files / doc["path"]).read_bytes())
    good = body["data"][0][0]
    (files / "media" / "link.png").symlink_to(secret)
    body["data"] = [[good], [{**good, "path": "../../secret.png"}], [{**good, "path": str(secret)}],
                    [{**good, "path": "media/link.png"}]]
    (files / doc["path"]).write_bytes(orjson.dumps(body))
    html = TableGrid.read(doc, files).html()
    assert html.count('<img src="data:image/png;base64,') == 1  # only the one inside the folder
    assert html.count("image not readable") == 3
    import base64
    assert base64.b64encode(b"\x89PNG secret").decode() not in html


def test_table_file_outside_the_run_folder_is_refused(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (tmp_path / "x.table.json").write_text(json.dumps({"columns": ["a"], "data": [[1]]}))
    with pytest.raises(ValueError):
        TableGrid.read({"_type": "table-file", "path": "../x.table.json"}, files)
    os.symlink(tmp_path / "x.table.json", files / "l.table.json")
    with pytest.raises(ValueError):
        TableGrid.read({"_type": "table-file", "path": "l.table.json"}, files)


def test_odd_cells_render_and_sort(tmp_path: Path) -> None:
    doc = _stored(tmp_path, Table(columns=["v"], data=[[{"k": "<v>"}], [None], [3], ["b"], [[1, 2]], [True],
                                                        [float("nan")]]))
    grid = TableGrid.read(doc, tmp_path)
    html = grid.html(sort="v")
    assert "&lt;v&gt;" in html and "<v>" not in html
    order = [r[0] for r in grid.select(sort="v")]
    assert order[:2] == [True, 3] and order[-2:] == [None, None]  # numbers, text, then empty cells
