"""coerce(): what log() turns into media, and what it leaves alone."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image as PILImage

from py_tracker.errors import UsageError
from py_tracker.media import Histogram, Image, ImageList, Table, coerce


def test_large_arrays_become_histograms_small_ones_do_not():
    assert isinstance(coerce(np.arange(33)), Histogram)
    assert coerce(np.arange(32)) is None
    assert isinstance(coerce(torch.randn(6, 6)), Histogram)
    assert coerce(torch.randn(4)) is None
    assert coerce(np.array(["x"] * 40)) is None  # not numeric


def test_images_lists_and_media():
    px = np.zeros((2, 2, 3), dtype=np.uint8)
    img = Image(px)
    assert coerce(img) is img
    assert isinstance(coerce(PILImage.fromarray(px)), Image)
    lst = coerce([img, PILImage.fromarray(px)])
    assert isinstance(lst, ImageList) and len(lst.images) == 2
    assert coerce((img,)).images[0] is img
    with pytest.raises(UsageError, match="only Image"):
        coerce([img, 3])


def test_table_is_snapshotted_and_dataframe_becomes_table():
    t = Table(columns=["a"], data=[[1]])
    logged = coerce(t)
    t.add_data(2)
    assert logged.data == [[1]]
    assert isinstance(coerce(pd.DataFrame({"a": [1]})), Table)


@pytest.mark.parametrize("value", [[1, 2, 3], [], (), {1, 2}, object(), b"bytes", 3 + 4j])
def test_unhandled_values_return_none(value):
    assert coerce(value) is None
