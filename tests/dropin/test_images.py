"""Image from matplotlib figures and 4-D batches; masks, boxes and classes stored as W&B and drawn."""
from __future__ import annotations

import io

import numpy as np
import orjson
import pytest

import py_tracker as wandb
from py_tracker.errors import UsageError
from py_tracker.media import from_json
from py_tracker.notebook.live.board import ChartBoard
from py_tracker.notebook.live.charts import ChartOptions
from py_tracker.notebook.live.panel import RunPanel

QUIET = {"monitor_interval": None, "capture_output": False, "save_code": False, "display": False}


def _png(files_dir, d):
    from PIL import Image as PILImage
    with PILImage.open(files_dir / d["path"]) as im:
        return np.asarray(im.convert("RGB"))


def test_matplotlib_figures_logged_directly_and_in_image(store):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot([0, 1, 2], [2, 0, 1], color="red")
    run = wandb.init(project="img", settings=QUIET)
    wandb.log({"fig": fig, "wrapped": wandb.Image(fig, caption="c"), "pyplot": wandb.Image(plt), "axes": ax})
    ax.set_facecolor("black")  # a later change does not reach what was logged
    wandb.finish()
    plt.close(fig)
    api_run = wandb.Api().run(run.id)
    row = api_run.history(pandas=False)[0]
    for key in ("fig", "wrapped", "pyplot", "axes"):
        assert row[key]["_type"] == "image-file" and (row[key]["width"], row[key]["height"]) == (200, 150), key
    pixels = _png(api_run.dir, row["fig"])
    assert (pixels[5, 5] == 255).all()  # white background, not the later black
    assert ((pixels[..., 0] > 200) & (pixels[..., 1] < 80)).any()  # the red line is drawn
    assert row["wrapped"]["caption"] == "c"


def test_a_4d_batch_becomes_one_grid_image(store):
    import torch
    batch = torch.zeros(10, 1, 4, 6)
    for i in range(10):
        batch[i] = float(i)
    run = wandb.init(project="img", settings=QUIET)
    wandb.log({"batch": wandb.Image(batch), "np_batch": wandb.Image(np.ones((3, 5, 5, 3)) * np.arange(3)[:, None, None, None])})
    wandb.finish()
    api_run = wandb.Api().run(run.id)
    row = api_run.history(pandas=False)[0]
    d = row["batch"]
    # torchvision's make_grid(nrow=8, padding=2, normalize=True) (earlier W&B releases): 2 rows of 8
    assert (d["width"], d["height"]) == (8 * (6 + 2) + 2, 2 * (4 + 2) + 2)
    grid = _png(api_run.dir, d)
    assert grid[0, 0].tolist() == [0, 0, 0]  # padding
    assert grid[2 + 6 + 2, 2 + 1 * 8].tolist() == [255 * 9 // 9] * 3  # image 9 (the max) is white
    assert grid[2, 2 + 4 * 8, 0] == round(4 / 9 * 255)  # image 4 is scaled to 4/9
    assert row["np_batch"]["_type"] == "image-file" and row["np_batch"]["width"] == 3 * 7 + 2  # NHWC


def test_masks_boxes_and_classes_are_stored_as_wandb(store):
    img = np.full((20, 30, 3), 100, dtype=np.uint8)
    mask = np.zeros((20, 30), dtype=np.uint8)
    mask[5:10, 5:15] = 2
    boxes = {"predictions": {"box_data": [{"position": {"minX": 2, "maxX": 12, "minY": 3, "maxY": 9},
                                           "domain": "pixel", "class_id": 1, "box_caption": "cat 0.9",
                                           "scores": {"conf": 0.9}}],
                             "class_labels": {1: "cat"}}}
    run = wandb.init(project="img", settings=QUIET)
    wandb.log({"seg": wandb.Image(img, masks={"truth": {"mask_data": mask, "class_labels": {0: "bg", 2: "dog"}}},
                                  boxes=boxes, classes=wandb.Classes([{"id": 3, "name": "bird"}]))})
    wandb.finish()
    api_run = wandb.Api().run(run.id)
    d = api_run.history(pandas=False)[0]["seg"]
    m = d["masks"]["truth"]
    assert m["_type"] == "mask" and m["path"].startswith("media/images/mask/") and m["format"] == "png"
    from PIL import Image as PILImage
    with PILImage.open(api_run.dir / m["path"]) as im:
        assert np.array_equal(np.asarray(im), mask)
    b = d["boxes"]["predictions"]
    assert b["_type"] == "boxes2D" and b["path"].startswith("media/metadata/boxes2D/")
    body = orjson.loads((api_run.dir / b["path"]).read_bytes())
    assert body["box_data"] == boxes["predictions"]["box_data"] and body["class_labels"] == {"1": "cat"}
    assert d["classes"] == {"_type": "classes", "class_set": [{"id": 1, "name": "cat"}, {"id": 0, "name": "bg"},
                                                              {"id": 2, "name": "dog"}, {"id": 3, "name": "bird"}]}
    # the panel draws them over the image
    panel = RunPanel(api_run)
    strip = panel.charts.charts["seg"]
    shown = np.asarray(PILImage.open(io.BytesIO(strip.box.children[0].value)).convert("RGB"))
    assert shown[20 - 13, 10].tolist() != [100, 100, 100]  # inside the mask: tinted
    assert shown[7, 8].tolist() != [100, 100, 100]
    assert shown[18, 28].tolist() == [100, 100, 100]  # outside both: untouched
    assert shown[3, 7].tolist() != [100, 100, 100]  # the box outline


@pytest.mark.parametrize("kwargs, match", [
    ({"masks": {"m": {"mask_data": np.zeros((2, 2, 2))}}}, "mask 'm'.*2-D"),
    ({"masks": {"m": {"mask_data": np.full((2, 2), 300)}}}, "between 0 and 255"),
    ({"boxes": {"b": {"box_data": [{"position": {"minX": 1}}]}}}, "boxes 'b', box 0"),
    ({"boxes": {"b": {"box_data": [], "class_labels": {"x": "cat"}}}}, "class_labels must map int"),
    ({"classes": [{"name": "cat"}]}, "Classes entry 0"),
])
def test_bad_overlays_are_clear_errors_and_lose_nothing(store, kwargs, match):
    run = wandb.init(project="img", settings=QUIET)
    wandb.log({"loss": 1.0})
    with pytest.raises(UsageError, match=match):
        wandb.Image(np.zeros((4, 4)), **kwargs)
    wandb.finish()
    assert wandb.Api().run(run.id).summary["loss"] == 1.0
