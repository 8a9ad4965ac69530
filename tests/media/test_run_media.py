"""Media through a real run: log() -> background flusher -> files + history -> Api -> from_json."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

import py_tracker as pt
from py_tracker.media import Histogram, Image, Table, from_json


@pytest.fixture
def store(tmp_path):
    yield tmp_path
    pt.finish()


def test_media_round_trip_through_a_run(store):
    rng = np.random.default_rng(3)
    px = rng.integers(0, 256, size=(32, 24, 3), dtype=np.uint8)
    weights = rng.normal(size=500)
    table = Table(columns=["i", "name"], data=[[0, "a"]])
    run = pt.init(project="media", dir=store)
    pt.log({"sample": Image(px, caption="first"), "loss": 1.0})
    pt.log({"batch": [Image(px), Image(px[::-1].copy())], "w": weights, "preds": table})
    table.add_data(1, "b")  # after log(): must not change the logged table
    pt.log({"big": Image(rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8))})
    pt.finish()  # media queued just before finish must not be lost

    api_run = pt.Api(store).run(run.id)
    rows = api_run.history(pandas=False)
    assert [r["_step"] for r in rows] == [0, 1, 2]
    files = api_run.dir
    img = from_json(rows[0]["sample"], files)
    assert rows[0]["sample"]["caption"] == "first"
    np.testing.assert_array_equal(np.asarray(img), px)
    batch = from_json(rows[1]["batch"], files)
    assert rows[1]["batch"]["_type"] == "images" and len(batch) == 2
    np.testing.assert_array_equal(np.asarray(batch[1]), px[::-1])
    counts, edges = from_json(rows[1]["w"], files)
    ref_counts, ref_edges = np.histogram(weights, bins=64)
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_allclose(edges, ref_edges)
    pd.testing.assert_frame_equal(from_json(rows[1]["preds"], files), pd.DataFrame({"i": [0], "name": ["a"]}))
    big = from_json(rows[2]["big"], files)
    assert isinstance(big, PILImage.Image) and big.size == (256, 256)
    media_files = sorted(p.relative_to(files).as_posix() for p in (files / "media").rglob("*") if p.is_file())
    assert len(media_files) == 5 and all(not p.split("/")[-1].startswith(".tmp") for p in media_files)


def test_histogram_object_inline_in_row(store):
    run = pt.init(project="media", dir=store)
    pt.log({"h": Histogram(np.arange(10), num_bins=5)})
    pt.finish()
    (row,) = pt.Api(store).run(run.id).history(pandas=False)
    assert row["h"] == {"_type": "histogram", "values": [2, 2, 2, 2, 2], "bins": [0.0, 1.8, 3.6, 5.4, 7.2, 9.0]}
