"""Images: every input form is written as a real PNG and decoded back to the same pixels."""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from py_tracker.errors import UsageError
from py_tracker.media import Image, ImageList, from_json


def _decode(files_dir, d) -> np.ndarray:
    path = files_dir / d["path"]
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with PILImage.open(path) as im:
        assert im.format == "PNG"
        return np.asarray(im)


@pytest.fixture
def rgb() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(7, 5, 3), dtype=np.uint8)


def test_uint8_hwc_round_trip(tmp_path, rgb):
    d = Image(rgb, caption="a cat").to_json(tmp_path, "train/sample img", 3)
    assert d["_type"] == "image-file"
    assert d["path"].startswith("media/images/train_sample_img_3_") and d["path"].endswith(".png")
    assert (d["width"], d["height"], d["caption"]) == (5, 7, "a cat")
    assert d["size"] == (tmp_path / d["path"]).stat().st_size
    np.testing.assert_array_equal(_decode(tmp_path, d), rgb)


def test_float_hw_greyscale_is_scaled_by_255(tmp_path):
    arr = np.linspace(0.0, 1.0, 12, dtype=np.float32).reshape(3, 4)
    back = _decode(tmp_path, Image(arr).to_json(tmp_path, "g", 0))
    assert back.shape == (3, 4)
    np.testing.assert_array_equal(back, np.rint(arr * 255).astype(np.uint8))


def test_rgba_and_single_channel(tmp_path):
    rgba = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 5
    back = _decode(tmp_path, Image(rgba).to_json(tmp_path, "rgba", 0))
    np.testing.assert_array_equal(back, rgba)
    one = np.arange(6, dtype=np.uint8).reshape(2, 3, 1)
    np.testing.assert_array_equal(_decode(tmp_path, Image(one).to_json(tmp_path, "one", 0)), one[..., 0])


def test_chw_numpy_is_transposed(tmp_path, rgb):
    chw = rgb.transpose(2, 0, 1).copy()
    np.testing.assert_array_equal(_decode(tmp_path, Image(chw).to_json(tmp_path, "chw", 0)), rgb)


def test_negative_floats_rescale_to_full_range(tmp_path):
    arr = np.array([[-1.0, 0.0], [0.5, 1.0]])
    back = _decode(tmp_path, Image(arr).to_json(tmp_path, "neg", 0))
    assert back.min() == 0 and back.max() == 255


def test_torch_tensor_chw_with_grad(tmp_path, rgb):
    t = torch.tensor(rgb.transpose(2, 0, 1) / 255.0, dtype=torch.float32, requires_grad=True)
    img = Image(t)
    with torch.no_grad():
        t.zero_()  # the logged copy must not change
    np.testing.assert_array_equal(_decode(tmp_path, img.to_json(tmp_path, "t", 1)), rgb)


def test_pil_image_and_mode(tmp_path, rgb):
    pil = PILImage.fromarray(rgb)
    np.testing.assert_array_equal(_decode(tmp_path, Image(pil).to_json(tmp_path, "pil", 0)), rgb)
    grey = _decode(tmp_path, Image(pil, mode="L").to_json(tmp_path, "pil_l", 0))
    np.testing.assert_array_equal(grey, np.asarray(pil.convert("L")))


def test_path_png_is_copied_and_jpeg_reencoded(tmp_path, rgb):
    png = tmp_path / "in.png"
    PILImage.fromarray(rgb).save(png)
    img = Image(str(png))
    png.unlink()  # read at construction: deleting the source after log() is fine
    files = tmp_path / "run"
    d = img.to_json(files, "p", 2)
    np.testing.assert_array_equal(_decode(files, d), rgb)
    jpg = tmp_path / "in.jpg"
    PILImage.fromarray(rgb).save(jpg, format="JPEG")
    d2 = Image(jpg).to_json(files, "j", 2)
    assert _decode(files, d2).shape == rgb.shape


def test_source_array_mutation_after_construction_is_ignored(tmp_path, rgb):
    src = rgb.copy()
    img = Image(src)
    src[:] = 0
    np.testing.assert_array_equal(_decode(tmp_path, img.to_json(tmp_path, "m", 0)), rgb)


def test_from_json_returns_pil(tmp_path, rgb):
    d = Image(rgb).to_json(tmp_path, "x", 0)
    im = from_json(d, tmp_path)
    assert isinstance(im, PILImage.Image)
    np.testing.assert_array_equal(np.asarray(im), rgb)


def test_image_list_one_entry(tmp_path, rgb):
    lst = ImageList([Image(rgb, caption="a"), Image(rgb[::-1].copy(), caption="b")])
    d = lst.to_json(tmp_path, "batch", 5)
    assert d["_type"] == "images" and d["count"] == 2 and d["captions"] == ["a", "b"]
    assert len({e["path"] for e in d["items"]}) == 2
    back = from_json(d, tmp_path)
    np.testing.assert_array_equal(np.asarray(back[0]), rgb)
    np.testing.assert_array_equal(np.asarray(back[1]), rgb[::-1])


@pytest.mark.parametrize(
    "bad, match",
    [
        (np.zeros((5, 5, 2)), "1, 3 or 4 channels"),
        (np.zeros((2, 5, 4, 7)), "batch of shape .* 1, 3 or 4 channels"),  # a 4-D batch is a grid, as W&B
        (np.zeros(5), "2-D"),
        (np.zeros((0, 3)), "empty"),
        (np.array([["a", "b"]]), "numeric"),
        (object(), "cannot be made from object"),
    ],
)
def test_bad_inputs_raise_clear_errors(bad, match):
    with pytest.raises(UsageError, match=match):
        Image(bad)


def test_missing_file_and_non_image_file(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        Image(tmp_path / "nope.png")
    txt = tmp_path / "a.txt"
    txt.write_text("hello")
    with pytest.raises(UsageError, match="not an image"):
        Image(txt)
    with pytest.raises(UsageError, match="PIL mode"):
        Image(np.zeros((2, 2)), mode="XYZ")


def test_png_is_valid_for_independent_decoder(tmp_path, rgb):
    d = Image(rgb).to_json(tmp_path, "v", 0)
    data = (tmp_path / d["path"]).read_bytes()
    with PILImage.open(io.BytesIO(data)) as im:
        im.verify()


def test_image_from_array_while_pil_is_half_imported(monkeypatch) -> None:
    """The flusher thread imports PIL.Image for the first PNG while the user's thread makes the
    next Image: `sys.modules` then holds a PIL.Image without its `Image` class yet. Making an
    Image from an array in that moment raised AttributeError (seen logging images in a loop)."""
    import sys
    import types

    import numpy as np

    import py_tracker as pt
    monkeypatch.setitem(sys.modules, "PIL.Image", types.ModuleType("PIL.Image"))  # as during its import
    im = pt.Image(np.zeros((4, 4, 3), dtype=np.uint8), caption="c")
    assert im.caption == "c"
