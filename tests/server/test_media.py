"""GET runs/<id>/media: the logged images (single and lists) and histograms of a run over its
steps, for the run view's Media tab; image paths fetchable through runs/<id>/files/<path>, the
history read only inside the store, a long key cut to MAX_STEPS steps and saying so."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from tornado.httpclient import HTTPClientError

import py_tracker as pt

from .conftest import QUIET

API = ("py-tracker", "api", "v1")
HOSTILE = "<img src=x onerror=alert(1)>"


def _media_run(root: Path):
    run = pt.init(dir=root, project="media", name="m", settings=QUIET, reinit="create_new")
    for step in range(3):
        pixels = np.zeros((4, 6 + step, 3), dtype=np.uint8)
        run.log({"img": pt.Image(pixels, caption=f"step {step}" if step else HOSTILE),
                 "pair": [pt.Image(np.zeros((2, 2))), pt.Image(np.ones((2, 3)), caption="b")],
                 "loss": 1.0 / (step + 1)}, step=step * 10)
        if step != 1:
            run.log({"w": pt.Histogram(np.arange(8) + step, num_bins=4)}, step=step * 10)
    run.finish()
    return run


async def test_media_lists_images_and_histograms_by_step(get_json, jp_fetch, store_root):
    run = _media_run(store_root)
    docs = (await get_json("runs", run.id, "media"))["media"]
    assert [(d["key"], d["kind"]) for d in docs] == [("img", "images"), ("pair", "images"), ("w", "histogram")]
    img, pair, w = docs
    assert img["steps"] == [0, 10, 20] and img["logged"] == 3 and img["error"] is None
    assert [[i["caption"] for i in frame] for frame in img["images"]] == [[HOSTILE], ["step 1"], ["step 2"]]
    assert [frame[0]["width"] for frame in img["images"]] == [6, 7, 8]
    # an image list: each item's caption once (the list's "captions" beside the items not added again)
    assert pair["steps"] == [0, 10, 20] and [i["caption"] for i in pair["images"][0]] == [None, "b"]
    assert w["steps"] == [0, 20] and w["images"] == [] and len(w["histograms"]) == 2
    first = w["histograms"][0]
    assert len(first["bins"]) == len(first["values"]) + 1 == 5 and sum(first["values"]) == 8
    # every image path is what the files endpoint serves (confined, authenticated)
    for frame in img["images"] + pair["images"]:
        for item in frame:
            png = await jp_fetch(*API, "runs", run.id, "files", *item["path"].split("/"))
            assert png.headers["Content-Type"] == "image/png" and png.body[:8] == b"\x89PNG\r\n\x1a\n"


async def test_media_of_a_run_without_media_and_of_an_unknown_run(get_json, jp_fetch, make_run, store_root):
    run = make_run(store_root, "plain", "r")
    assert await get_json("runs", run.id, "media") == {"media": []}
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "runs", "nosuchid", "media")
    assert err.value.code == 404


async def test_history_leading_out_of_the_store_is_refused_and_said(get_json, store_root, tmp_path):
    from py_tracker.server.store import StoreReader
    run = _media_run(store_root)
    path = Path(StoreReader(store_root).api.layout.history(run.id, "history"))
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(path.read_bytes())
    path.unlink()
    os.symlink(outside, path)  # the run's history now points out of the store
    docs = (await get_json("runs", run.id, "media"))["media"]
    assert [d["key"] for d in docs] == ["img", "pair", "w"]  # still listed, with the reason
    assert all(d["steps"] == [] and "refused" in d["error"] for d in docs)


async def test_key_logged_more_than_max_steps_is_spaced_and_says_so(get_json, store_root):
    from py_tracker.server.media import MAX_STEPS
    run = pt.init(dir=store_root, project="media", name="long", settings=QUIET, reinit="create_new")
    for step in range(MAX_STEPS + 7):
        run.log({"w": pt.Histogram([step], num_bins=2)})
    run.finish()
    (w,) = (await get_json("runs", run.id, "media"))["media"]
    assert w["logged"] == MAX_STEPS + 7 and len(w["steps"]) == MAX_STEPS and w["error"] is None
    assert w["steps"][0] == 0 and w["steps"][-1] == MAX_STEPS + 6 and w["steps"] == sorted(set(w["steps"]))


def test_image_list_captions_come_once_and_bad_values_are_named():
    from py_tracker.server.media import histogram_of, image_items
    listed = {"_type": "images", "count": 3, "captions": ["a", "from list", None],
              "items": [{"_type": "image-file", "path": "p0.png", "caption": "a"},
                        {"_type": "image-file", "path": "p1.png"},  # its caption only beside the items
                        {"_type": "image-file", "path": "p2.png"}]}
    assert [i["caption"] for i in image_items(listed)] == ["a", "from list", None]
    assert image_items({"_type": "histogram"}) is None and image_items("x") is None
    assert histogram_of({"_type": "histogram", "bins": [0, 1], "values": [1, 2]}) is None  # edges != counts + 1
    assert histogram_of({"_type": "histogram", "bins": [0, 1, 2], "values": [1, 2]}) == {
        "bins": [0.0, 1.0, 2.0], "values": [1.0, 2.0]}


async def test_unreadable_logged_values_are_counted_in_the_error(get_json, store_root):
    run = pt.init(dir=store_root, project="media", name="bad", settings=QUIET, reinit="create_new")
    run.log({"w": pt.Histogram([1, 2, 3], num_bins=2)})
    run.log({"w": {"_type": "histogram", "bins": [0], "values": [1, 2]}})  # a broken dict logged by hand
    run.finish()
    (w,) = (await get_json("runs", run.id, "media"))["media"]
    assert w["steps"] == [0] and w["logged"] == 2 and "1 logged value(s) of 'w' are not histograms" in w["error"]
