"""What W&B lets an `Image` carry besides pixels, and the pixels it can be made from.

- `Classes([{"id": 1, "name": "cat"}])`: class ids and names of masks and boxes.
- masks: ``{"predictions": {"mask_data": 2-D ints 0..255, "class_labels": {1: "cat"}}}``,
  each stored as a greyscale PNG under ``media/images/mask/`` (W&B's ``"_type": "mask"``).
- boxes: ``{"predictions": {"box_data": [{"position": {...}, "class_id": 1, ...}],
  "class_labels": {...}}}``, each stored as ``media/metadata/boxes2D/*.boxes2D.json``
  (W&B's ``"_type": "boxes2D"``), validated as W&B validates them.
- `figure_png(fig)`: a matplotlib figure (or pyplot, or an Axes) rendered to PNG now.
- `make_grid(batch)`: a 4-D batch as one image, as torchvision's `make_grid(normalize=True)` (what
  earlier W&B releases did with a 4-D tensor; W&B 0.31 rejects one).
- `overlay(image, item, files_dir)`: the image with its masks and boxes drawn on it (the panel).
"""
from __future__ import annotations

import io
import numbers
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import orjson

from ..errors import UsageError
from .base import media_path, resolve, sha256, write_bytes_atomic

PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


class Classes:
    """W&B's `wandb.Classes`: ``Classes([{"id": 0, "name": "background"}, ...])``."""

    def __init__(self, class_set: Sequence[dict]):
        items = list(class_set)
        for i, c in enumerate(items):
            if not isinstance(c, dict) or "id" not in c or "name" not in c:
                raise UsageError(f"Classes entry {i} must be a dict with 'id' and 'name', e.g. "
                                 f"{{'id': 1, 'name': 'cat'}}; got {c!r}")
        self._class_set = [{"id": c["id"], "name": str(c["name"])} for c in items]

    def to_json(self) -> dict[str, Any]:
        return {"_type": "classes", "class_set": self._class_set}

    def names(self) -> dict[int, str]:
        return {int(c["id"]): c["name"] for c in self._class_set}


def _labels(d: Any, where: str) -> dict[int, str]:
    if d is None:
        return {}
    if not isinstance(d, dict) or not all(isinstance(k, numbers.Number) and isinstance(v, str) for k, v in d.items()):
        raise UsageError(f"{where} class_labels must map int class ids to names, e.g. {{1: 'cat'}}; got {d!r}")
    return {int(k): v for k, v in d.items()}


def _array(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def check_mask(name: str, val: Any) -> dict[str, Any]:
    """A validated copy of one mask (raises UsageError naming the mask and the fix)."""
    if not isinstance(val, dict) or "mask_data" not in val:
        raise UsageError(f"Image mask {name!r} needs a dict with 'mask_data' (a 2-D array of class ids)")
    data = _array(val["mask_data"])
    if data.ndim != 2:
        raise UsageError(f"Image mask {name!r}: mask_data must be a 2-D array; got shape {data.shape}")
    if data.size and (data.min() < 0 or data.max() > 255):
        raise UsageError(f"Image mask {name!r}: mask_data must hold class ids between 0 and 255")
    labels = _labels(val.get("class_labels"), f"mask {name!r}") or \
        {int(c): f"class_{int(c)}" for c in np.unique(data)}
    return {"mask_data": data.astype(np.uint8).copy(), "class_labels": labels}


def _num(d: dict, k: str) -> bool:
    return isinstance(d.get(k), numbers.Number)


def check_boxes(name: str, val: Any) -> dict[str, Any]:
    """A validated copy of one box set (W&B's rules, raised as UsageError)."""
    if not isinstance(val, dict) or not isinstance(val.get("box_data"), list):
        raise UsageError(f"Image boxes {name!r} needs a dict with 'box_data': a list of boxes")
    for i, box in enumerate(val["box_data"]):
        pos = box.get("position") if isinstance(box, dict) else None
        ok = isinstance(pos, dict) and (
            (len(pos.get("middle") or ()) == 2 and _num(pos, "width") and _num(pos, "height"))
            or all(_num(pos, k) for k in ("minX", "maxX", "minY", "maxY")))
        if not ok:
            raise UsageError(f"Image boxes {name!r}, box {i}: 'position' needs middle, width and height, "
                             f"or minX, maxX, minY, maxY")
        if "scores" in box and not isinstance(box["scores"], dict):
            raise UsageError(f"Image boxes {name!r}, box {i}: 'scores' must be a dict of name -> number")
        if "domain" in box and box["domain"] != "pixel":
            raise UsageError(f"Image boxes {name!r}, box {i}: domain may only be 'pixel' (else coordinates "
                             f"are fractions of the image)")
    return {"box_data": orjson.loads(orjson.dumps(val["box_data"], option=orjson.OPT_SERIALIZE_NUMPY)),
            "class_labels": _labels(val.get("class_labels"), f"boxes {name!r}")}


def write_mask(files_dir: Path, key: str, step: int, name: str, mask: dict) -> dict[str, Any]:
    from PIL import Image as PILImage
    buf = io.BytesIO()
    PILImage.fromarray(mask["mask_data"], mode="L").save(buf, format="PNG")
    data = buf.getvalue()
    digest = sha256(data)
    path, rel = media_path(files_dir, "images/mask", f"{key}_{name}", step, digest, ".mask.png")
    write_bytes_atomic(path, data)
    return {"_type": "mask", "path": rel, "sha256": digest, "size": len(data), "format": "png",
            "class_labels": {str(k): v for k, v in mask["class_labels"].items()}}


def write_boxes(files_dir: Path, key: str, step: int, name: str, boxes: dict) -> dict[str, Any]:
    body = orjson.dumps({"box_data": boxes["box_data"],
                         "class_labels": {str(k): v for k, v in boxes["class_labels"].items()}})
    digest = sha256(body)
    path, rel = media_path(files_dir, "metadata/boxes2D", f"{key}_{name}", step, digest, ".boxes2D.json")
    write_bytes_atomic(path, body)
    return {"_type": "boxes2D", "path": rel, "sha256": digest, "size": len(body)}


def is_matplotlib(x: Any) -> bool:
    return (type(x).__module__ or "").startswith("matplotlib") or getattr(x, "__name__", "") == "matplotlib.pyplot"


def figure_png(obj: Any) -> bytes:
    """A matplotlib figure, Axes or the pyplot module (its current figure) as PNG bytes, now."""
    fig = obj
    if getattr(obj, "__name__", "") == "matplotlib.pyplot":
        fig = obj.gcf()
    elif not hasattr(fig, "savefig"):
        fig = getattr(obj, "figure", None) or getattr(obj, "get_figure", lambda: None)()
    if fig is None or not hasattr(fig, "savefig"):
        raise UsageError(f"cannot turn {type(obj).__name__} into an image; pass a matplotlib Figure, "
                         f"an Axes or pyplot itself (plt)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def make_grid(batch: np.ndarray, channels_first: bool, nrow: int = 8, padding: int = 2) -> np.ndarray:
    """N images as one HWC float image in 0..1 (torchvision's make_grid(normalize=True), which
    earlier W&B releases applied to a 4-D batch): rows of `nrow`, `padding` pixels of 0 between
    and around."""
    arr = np.asarray(batch, dtype=np.float64)
    if not channels_first and arr.shape[-1] in (1, 3, 4):
        arr = arr.transpose(0, 3, 1, 2)
    n, c, h, w = arr.shape
    if c not in (1, 3, 4) or n == 0:
        raise UsageError(f"Image got a batch of shape {batch.shape}: need N images of 1, 3 or 4 channels "
                         f"(NCHW or NHWC)")
    if c == 1:
        arr = np.repeat(arr, 3, axis=1)
        c = 3
    lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
    arr = (arr - lo) / max(hi - lo, 1e-5)
    cols = min(nrow, n)
    rows = int(np.ceil(n / cols))
    grid = np.zeros((c, rows * (h + padding) + padding, cols * (w + padding) + padding))
    for i in range(n):
        r, k = divmod(i, cols)
        top, left = r * (h + padding) + padding, k * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = arr[i]
    return grid.transpose(1, 2, 0)


def overlay(image: Any, item: dict, files_dir: Path) -> Any:
    """`image` (PIL) with the item's masks (colour, half transparent) and boxes (outlines and
    labels) drawn on it: what the run panel shows for an image logged with masks/boxes."""
    from PIL import Image as PILImage, ImageDraw
    out = image.convert("RGBA")
    for mask in (item.get("masks") or {}).values():
        with PILImage.open(resolve(files_dir, mask)) as m:
            ids = np.asarray(m.convert("L"))
        if ids.shape != (out.height, out.width):
            ids = np.asarray(PILImage.fromarray(ids).resize((out.width, out.height), PILImage.NEAREST))
        color = np.zeros((*ids.shape, 4), dtype=np.uint8)
        for cid in np.unique(ids):
            if cid == 0:
                continue  # class 0 is background, as in W&B's view
            color[ids == cid] = (*PALETTE[int(cid) % len(PALETTE)], 120)
        out = PILImage.alpha_composite(out, PILImage.fromarray(color, mode="RGBA"))
    draw = ImageDraw.Draw(out)
    for boxes in (item.get("boxes") or {}).values():
        body = orjson.loads(resolve(files_dir, boxes).read_bytes())
        names = {int(k): v for k, v in (body.get("class_labels") or {}).items()}
        for box in body.get("box_data") or []:
            p = box["position"]
            if "middle" in p:
                x0, y0 = p["middle"][0] - p["width"] / 2, p["middle"][1] - p["height"] / 2
                x1, y1 = x0 + p["width"], y0 + p["height"]
            else:
                x0, x1, y0, y1 = p["minX"], p["maxX"], p["minY"], p["maxY"]
            if box.get("domain") != "pixel":
                x0, x1, y0, y1 = x0 * out.width, x1 * out.width, y0 * out.height, y1 * out.height
            cid = int(box.get("class_id", 0))
            color = (*PALETTE[cid % len(PALETTE)], 255)
            draw.rectangle([x0, y0, x1, y1], outline=color, width=2)
            label = box.get("box_caption") or names.get(cid)
            if label:
                draw.text((x0 + 2, y0 + 1), str(label), fill=color)
    return out
