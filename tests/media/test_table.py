"""Tables: building, snapshots, JSON file round trip to DataFrames, image cells, bad rows."""
from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
import pytest
from PIL import Image as PILImage

from py_tracker.errors import UsageError
from py_tracker.media import Image, Table, from_json


def test_build_and_dataframe():
    t = Table(columns=["x", "y"], data=[[1, "a"]])
    t.add_data(2, "b")
    t.add_column("z", [0.5, 1.5])
    assert t.columns == ["x", "y", "z"] and t.data == [[1, "a", 0.5], [2, "b", 1.5]]
    pd.testing.assert_frame_equal(
        t.get_dataframe(), pd.DataFrame({"x": [1, 2], "y": ["a", "b"], "z": [0.5, 1.5]})
    )
    assert t.get_column("y") == ["a", "b"] and len(t) == 2


def test_defaults_like_wandb():
    assert Table().columns == ["Input", "Output", "Expected"]
    assert Table(data=[[1, 2]]).columns == ["Column_1", "Column_2"]
    assert Table(data=np.arange(6).reshape(3, 2), columns=["a", "b"]).data[2] == [4, 5]


def test_file_round_trip_with_numpy_values(tmp_path):
    df = pd.DataFrame({"epoch": [1, 2, 3], "loss": [0.5, 0.25, 0.125], "label": ["a", None, "c"]})
    t = Table(dataframe=df)
    t.add_data(np.int64(4), np.float32(0.0625), "d")
    d = t.to_json(tmp_path, "eval/preds", 9)
    assert d["_type"] == "table-file" and (d["nrows"], d["ncols"]) == (4, 3)
    assert d["path"].startswith("media/table/eval_preds_9_") and d["path"].endswith(".table.json")
    body = orjson.loads((tmp_path / d["path"]).read_bytes())
    assert body["columns"] == ["epoch", "loss", "label"]
    back = from_json(d, tmp_path)
    expected = pd.DataFrame({"epoch": [1, 2, 3, 4], "loss": [0.5, 0.25, 0.125, 0.0625], "label": ["a", None, "c", "d"]})
    pd.testing.assert_frame_equal(back, expected)


def test_image_cells_are_written_and_read_back(tmp_path):
    px = np.full((4, 4, 3), 200, dtype=np.uint8)
    t = Table(columns=["id", "img"], data=[[1, Image(px)]])
    back = from_json(t.to_json(tmp_path, "imgs", 0), tmp_path)
    assert isinstance(back.loc[0, "img"], PILImage.Image)
    np.testing.assert_array_equal(np.asarray(back.loc[0, "img"]), px)


def test_snapshot_is_isolated():
    t = Table(columns=["a"], data=[[1]])
    snap = t.snapshot()
    t.add_data(2)
    t.data[0][0] = 99
    assert snap.data == [[1]]


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: Table(columns=["a", "b"], data=[[1, 2, 3]]), "2 columns"),
        (lambda: Table(columns=["a", "a"]), "unique"),
        (lambda: Table(columns="ab"), "list of names"),
        (lambda: Table(data="abc"), "list of rows"),
        (lambda: Table(data=[5]), "row 0"),
        (lambda: Table(data=np.zeros(3)), "2-D"),
        (lambda: Table(dataframe=[[1]]), "DataFrame"),
        (lambda: Table(data=[[1]], dataframe=pd.DataFrame()), "not both"),
    ],
)
def test_bad_construction(call, match):
    with pytest.raises(UsageError, match=match):
        call()


def test_bad_add_data_and_add_column():
    t = Table(columns=["a", "b"], data=[[1, 2]])
    with pytest.raises(UsageError, match="add_data got 1 values"):
        t.add_data(1)
    with pytest.raises(UsageError, match="1 rows"):
        t.add_column("c", [1, 2])
    with pytest.raises(UsageError, match="already has"):
        t.add_column("a", [1])
    with pytest.raises(UsageError, match="no column"):
        t.get_column("zz")
