"""What `log()` does with a value that is not a plain scalar, string or dict."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UsageError
from .base import Media
from .histogram import Histogram
from .image import Image, ImageList, _is_pil, _is_torch_tensor
from .overlays import is_matplotlib
from .table import Table

#: Arrays/tensors with more elements than this become histograms (as in W&B).
HISTOGRAM_MIN_ELEMENTS = 32


def _numeric_array(value: np.ndarray) -> bool:
    return (np.issubdtype(value.dtype, np.number) or value.dtype == np.bool_) and not np.iscomplexobj(value)


def coerce(value: Any) -> Media | None:
    """The Media to store for `value`, or None when this module does not handle it.

    - a Media -> its snapshot (a Table logged now is not changed by later add_data);
    - a PIL image or a matplotlib figure (or pyplot, an Axes) -> Image;
    - a non-empty list/tuple of Image (or PIL images) -> ImageList (one "images" entry);
    - a numeric numpy array / torch tensor with more than 32 elements -> Histogram;
    - a pandas DataFrame -> Table.
    None for anything else (small arrays, lists of numbers...): the caller decides.
    Cheap: copies data but encodes nothing; `Media.to_json` does that later.
    """
    if isinstance(value, Media):
        return value.snapshot()
    if _is_pil(value) or is_matplotlib(value):
        return Image(value)  # W&B logs a figure as Plotly when plotly is installed; here it is a PNG
    if isinstance(value, (list, tuple)) and value:
        is_image = [isinstance(v, Image) or _is_pil(v) for v in value]
        if all(is_image):
            return ImageList(value)
        if any(is_image) or any(isinstance(v, Media) for v in value):
            raise UsageError(
                "a list logged under one key must hold only Image objects; log other media under their own keys"
            )
        return None
    if isinstance(value, np.ndarray):
        if value.size > HISTOGRAM_MIN_ELEMENTS and _numeric_array(value):
            return Histogram(value)
        return None
    if _is_torch_tensor(value):
        if value.numel() > HISTOGRAM_MIN_ELEMENTS and not value.is_complex():
            return Histogram(value)
        return None
    pd = __import__("sys").modules.get("pandas")
    if pd is not None and isinstance(value, pd.DataFrame):
        return Table(dataframe=value)
    return None
