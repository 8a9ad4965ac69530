"""Images stored as PNG files in the run's folder, and lists of them under one key."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import UsageError
from .base import Media, media_path, resolve, sha256, write_bytes_atomic
from .overlays import Classes, check_boxes, check_mask, figure_png, is_matplotlib, make_grid, write_boxes, write_mask

_MODES = {"1", "L", "LA", "P", "RGB", "RGBA", "I", "F", "CMYK", "YCbCr", "I;16"}
_CHANNELS = (1, 3, 4)
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _is_torch_tensor(x: Any) -> bool:
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _is_pil(x: Any) -> bool:
    """True for a PIL image. PIL.Image may be half imported (the run's flusher thread imports it
    to encode the first PNG while the user's thread makes the next Image): then it has no
    ``Image`` class yet, and `x` (made before, by a fully imported PIL) cannot be one of its images."""
    import sys

    cls = getattr(sys.modules.get("PIL.Image"), "Image", None)
    return isinstance(cls, type) and isinstance(x, cls)


def _torch_to_numpy(t: Any) -> np.ndarray:
    """A numpy copy of a (CPU or GPU) tensor, detached from autograd."""
    import torch

    t = t.detach()
    if t.dtype.is_floating_point and t.dtype not in (torch.float32, torch.float64):
        t = t.float()  # bfloat16 has no numpy twin
    return t.cpu().numpy().copy()


def _to_hwc(arr: np.ndarray, channels_first: bool) -> np.ndarray:
    """Validate the shape and return HW or HWC with C in (1, 3, 4); raise UsageError otherwise."""
    if arr.ndim == 3:
        first, last = arr.shape[0], arr.shape[-1]
        if channels_first and first in _CHANNELS:
            arr = arr.transpose(1, 2, 0)
        elif last in _CHANNELS:
            pass
        elif first in _CHANNELS:  # CHW numpy, accepted as W&B does
            arr = arr.transpose(1, 2, 0)
        else:
            raise UsageError(
                f"Image got an array of shape {arr.shape}: a colour image needs 1, 3 or 4 channels "
                "(HWC or CHW); pass HW for greyscale"
            )
        if arr.shape[-1] == 1:
            arr = arr[..., 0]
    elif arr.ndim != 2:
        hint = "; log a list of Image objects for a batch" if arr.ndim == 4 else ""
        raise UsageError(f"Image needs a 2-D (HW) or 3-D (HWC/CHW) array, got shape {arr.shape}{hint}")
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise UsageError(f"Image got an empty array of shape {arr.shape}")
    return arr


def to_uint8(arr: np.ndarray) -> np.ndarray:
    """Pixels to uint8 as W&B does: floats in 0..1 are scaled by 255, negatives rescale to 0..1."""
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype == np.bool_:
        return arr.astype(np.uint8) * 255
    if np.issubdtype(arr.dtype, np.integer):
        return np.clip(arr, 0, 255).astype(np.uint8)
    data = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    lo, hi = float(data.min()), float(data.max())
    if lo < 0:
        span = hi - lo
        data = (data - lo) / span if span > 0 else np.zeros_like(data)
        hi = float(data.max())
    if hi <= 1.0:
        data = data * 255.0
    return np.clip(np.rint(data), 0, 255).astype(np.uint8)


class Image(Media):
    """An image logged into a run: ``log({"sample": Image(arr, caption="x")})``.

    Accepts numpy arrays (HW, HWC with C in 1/3/4, CHW; float 0..1 or uint8), PIL
    images, torch tensors (CHW or HW, detached and copied to the CPU) and file paths.
    Stored as a PNG file under ``media/images``; the history row holds a small dict
    (``"_type": "image-file"``, path, size, sha256, width, height, caption).
    """

    _type = "image-file"

    def __init__(self, data_or_path: Any, mode: str | None = None, caption: str | None = None,
                 grouping: int | None = None, classes: Any = None, boxes: dict | None = None,
                 masks: dict | None = None, file_type: str | None = None, normalize: bool = True):
        if caption is not None and not isinstance(caption, str):
            caption = str(caption)
        if mode is not None and mode not in _MODES:
            raise UsageError(f"Image mode {mode!r} is not a PIL mode; use one of {sorted(_MODES)}")
        if file_type not in (None, "png"):
            raise UsageError(f"Image(file_type={file_type!r}): py_tracker stores images as PNG; omit file_type")
        self.caption = caption
        self.mode = mode
        self.grouping = grouping
        self._array: np.ndarray | None = None
        self._pil: Any = None
        self._file_bytes: bytes | None = None
        self._overlays(classes, boxes, masks)
        if is_matplotlib(data_or_path):
            self._file_bytes = figure_png(data_or_path)  # rendered now: the figure may change later
        elif _is_torch_tensor(data_or_path) and data_or_path.dim() == 4:
            self._array = make_grid(_torch_to_numpy(data_or_path), channels_first=True)
        elif isinstance(data_or_path, np.ndarray) and data_or_path.ndim == 4:
            self._array = make_grid(data_or_path, channels_first=False)
        elif isinstance(data_or_path, Image):
            self._array, self._pil, self._file_bytes = data_or_path._array, data_or_path._pil, data_or_path._file_bytes
            if masks is None and boxes is None and classes is None:
                self._masks, self._boxes, self._classes = data_or_path._masks, data_or_path._boxes, data_or_path._classes
            self.caption = caption if caption is not None else data_or_path.caption
            self.mode = mode or data_or_path.mode
        elif isinstance(data_or_path, (str, os.PathLike)):
            self._file_bytes = self._read_file(Path(data_or_path))
        elif _is_pil(data_or_path):
            self._pil = data_or_path.copy()
        elif _is_torch_tensor(data_or_path):
            self._array = _to_hwc(_torch_to_numpy(data_or_path), channels_first=True)
        elif isinstance(data_or_path, np.ndarray) or isinstance(data_or_path, (list, tuple)):
            arr = np.array(data_or_path, copy=True)
            if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
                raise UsageError(f"Image needs numeric pixel values, got an array of dtype {arr.dtype}")
            self._array = _to_hwc(arr, channels_first=False)
        else:
            raise UsageError(
                f"Image cannot be made from {type(data_or_path).__name__}; give a numpy array, "
                "a PIL image, a torch tensor or a path to an image file"
            )

    def _overlays(self, classes: Any, boxes: dict | None, masks: dict | None) -> None:
        """Check masks/boxes/classes now (a mistake raises at the user's call); W&B's merge of
        the class names of masks, boxes and `classes` into one set is kept."""
        if masks is not None and not isinstance(masks, dict):
            raise UsageError("Image(masks=...) takes a dict: {'predictions': {'mask_data': ..., 'class_labels': ...}}")
        if boxes is not None and not isinstance(boxes, dict):
            raise UsageError("Image(boxes=...) takes a dict: {'predictions': {'box_data': [...], 'class_labels': ...}}")
        self._masks = {str(k): check_mask(str(k), v) for k, v in (masks or {}).items()}
        self._boxes = {str(k): check_boxes(str(k), v) for k, v in (boxes or {}).items()}
        names: dict[int, str] = {}
        for part in [*self._boxes.values(), *self._masks.values()]:
            names.update(part["class_labels"])
        if classes is not None:
            names.update((classes if isinstance(classes, Classes) else Classes(classes)).names())
        self._classes = Classes([{"id": k, "name": v} for k, v in names.items()]) if names else None

    @staticmethod
    def _read_file(path: Path) -> bytes:
        if not path.is_file():
            raise UsageError(f"Image file {str(path)!r} does not exist (or is not a file)")
        data = path.read_bytes()  # read now: the caller may delete or overwrite it after log()
        from PIL import Image as PILImage, UnidentifiedImageError

        try:
            with PILImage.open(io.BytesIO(data)) as im:
                im.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise UsageError(f"{str(path)!r} is not an image PIL can read: {exc}") from exc
        return data

    def to_pil(self) -> Any:
        """The image as a PIL image (decoding/normalising now)."""
        from PIL import Image as PILImage

        if self._array is not None:
            pil = PILImage.fromarray(to_uint8(self._array))
        elif self._pil is not None:
            pil = self._pil
        else:
            assert self._file_bytes is not None
            pil = PILImage.open(io.BytesIO(self._file_bytes))
            pil.load()
        if self.mode and pil.mode != self.mode:
            pil = pil.convert(self.mode)
        return pil

    def _png_bytes(self) -> tuple[bytes, int, int]:
        if self._file_bytes is not None and self.mode is None and self._file_bytes.startswith(_PNG_MAGIC):
            from PIL import Image as PILImage

            with PILImage.open(io.BytesIO(self._file_bytes)) as im:
                return self._file_bytes, im.width, im.height
        pil = self.to_pil()
        if pil.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16"):
            pil = pil.convert("RGBA" if "A" in pil.getbands() else "RGB")
        buf = io.BytesIO()
        pil.save(buf, format="PNG", compress_level=4)
        return buf.getvalue(), pil.width, pil.height

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        data, width, height = self._png_bytes()
        digest = sha256(data)
        path, rel = media_path(files_dir, "images", key, step, digest, ".png")
        write_bytes_atomic(path, data)
        d: dict[str, Any] = {
            "_type": self._type, "path": rel, "format": "png", "size": len(data),
            "sha256": digest, "width": width, "height": height,
        }
        if self.caption is not None:
            d["caption"] = self.caption
        if self.grouping is not None:
            d["grouping"] = self.grouping
        if self._classes is not None:
            d["classes"] = self._classes.to_json()
        if self._boxes:
            d["boxes"] = {n: write_boxes(files_dir, key, step, n, b) for n, b in self._boxes.items()}
        if self._masks:
            d["masks"] = {n: write_mask(files_dir, key, step, n, m) for n, m in self._masks.items()}
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> Any:
        from PIL import Image as PILImage

        with PILImage.open(resolve(files_dir, d)) as im:
            im.load()
            return im.copy()


class ImageList(Media):
    """Several images logged under one key: ``log({"samples": [Image(a), Image(b)]})``.

    The row holds ``{"_type": "images", "count": n, "items": [<image-file dict>...]}``.
    """

    _type = "images"

    def __init__(self, images: Sequence[Any]):
        items = [im if isinstance(im, Image) else Image(im) for im in images]
        if not items:
            raise UsageError("an image list needs at least one image")
        self.images = items

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        entries = [im.to_json(files_dir, f"{key}_{i}", step) for i, im in enumerate(self.images)]
        captions = [im.caption for im in self.images]
        d: dict[str, Any] = {"_type": self._type, "count": len(entries), "items": entries}
        if any(c is not None for c in captions):
            d["captions"] = captions
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> list[Any]:
        return [Image.from_json(item, files_dir) for item in d.get("items", [])]
