"""Images and histograms in a report (issue 16): a step slider over each image key with its images
inlined and captions escaped once, bounded in steps and pixels; each histogram key a heatmap."""
from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path

import numpy as np

import py_tracker as pt
from py_tracker.media.stepped import heatmap_columns
from py_tracker.reporting import media as rm
from py_tracker.reporting import report

EVIL = "<img src=x onerror=alert(1)>"


def _frames(html: str, key: str) -> list[tuple[int, str]]:
    """(data-step, frame html) of each frame of the image key's view."""
    view = html.split(f'<div class="media-view" data-key="{key}"', 1)[1].split('<div class="media-view"', 1)[0]
    return [(int(s), body) for s, body in
            re.findall(r'<div class="media-frame" data-step="(\d+)"(?: hidden)?>(.*?)</div></div>', view)]


def _decoded(src: str):
    from PIL import Image as PILImage
    return PILImage.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))


def test_images_keep_spaced_steps_and_captions_once_escaped(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    px = np.zeros((6, 6, 3), dtype=np.uint8)
    n = rm.MAX_IMAGE_STEPS + 10
    for s in range(n):
        run.log({"loss": 1.0 / (s + 1), "samples": [pt.Image(px + s, caption=f"cap{s}-a"),
                                                     pt.Image(px, caption=EVIL if s == n - 1 else f"cap{s}-b")]},
                step=s * 5)  # logged steps are 0, 5, 10, ...: the label must read them, not an index
    run.log({"one": pt.Image(px, caption="single")}, step=n * 5)
    run.finish()
    html = report(run.id, root=root, path=tmp_path / "r.html").read_text()

    assert 'id="images"' in html and '<a href="#images">Images</a>' in html
    frames = _frames(html, "samples")
    assert len(frames) == rm.MAX_IMAGE_STEPS
    steps = [s for s, _ in frames]
    assert steps[0] == 0 and steps[-1] == (n - 1) * 5 and steps == sorted(set(steps))
    assert all(s % 5 == 0 for s in steps)
    assert "Showing 20 of the 30 logged steps" in html and "10 steps left out" in html
    # the newest step shows first (not hidden), and its label reads that step
    assert f'<div class="media-frame" data-step="{(n - 1) * 5}">' in html
    assert f'<span class="media-step">step {(n - 1) * 5}</span>' in html
    assert 'max="19" value="19"' in html
    # each caption once (an image list stores them on the items and beside them), escaped
    for step, body in frames[:-1]:
        s = step // 5
        assert body.count(f"cap{s}-a") == 2 and body.count(f"<figcaption>cap{s}-a</figcaption>") == 1  # + alt
        assert body.count('<img src="data:image/png;base64,') == 2
    last = frames[-1][1]
    assert "<figcaption>&lt;img src=x onerror=alert(1)&gt;</figcaption>" in last
    assert EVIL not in html and "&amp;lt;" not in html  # escaped once, never twice
    assert not re.search(r"<[^>]*\son\w+=", html.replace("&lt;img src=x onerror", ""))  # no handler in a tag
    # a single image key: one frame, no slider
    one = _frames(html, "one")
    assert [s for s, _ in one] == [n * 5] and "single" in one[0][1]
    # the slider's script runs under the CSP's nonce
    nonce = re.search(r"script-src 'nonce-([^']+)'", html).group(1)  # type: ignore[union-attr]
    assert f'<script nonce="{nonce}">{rm.IMAGES_JS}</script>' in html
    assert not re.search(r"<(script|link|iframe)[^>]*\s(src|href)=", html)  # nothing from the network


def test_images_above_the_cap_are_downscaled_and_the_report_stays_bounded(root: Path, new_run,
                                                                          tmp_path: Path) -> None:
    run = new_run()
    rng = np.random.default_rng(0)
    logged_steps = 2 * rm.MAX_IMAGE_STEPS
    for s in range(logged_steps):
        run.log({"big": [pt.Image(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)) for _ in range(4)],
                 "small": pt.Image(np.full((8, 8), s, dtype=np.uint8))})
    run.finish()
    out = report(run.id, root=root, path=tmp_path / "r.html")
    html = out.read_text()
    bare = report(run.id, root=root, path=tmp_path / "bare.html", media=False)
    big = _frames(html, "big")
    assert len(big) == rm.MAX_IMAGE_STEPS
    srcs = [src for _, body in big for src in re.findall(r'src="(data:[^"]+)"', body)]
    assert len(srcs) == 4 * rm.MAX_IMAGE_STEPS
    for src in srcs[:8]:
        with _decoded(src) as im:
            assert im.size == (rm.MAX_SIDE, rm.MAX_SIDE * 3 // 4)  # aspect kept
    per_image = (out.stat().st_size - bare.stat().st_size) / (len(srcs) + rm.MAX_IMAGE_STEPS)
    assert per_image < 100_000  # 400×300 noise is 360 KB raw, a 4/3 bigger PNG in base64
    assert out.stat().st_size < 10_000_000
    # a small PNG is inlined as stored, byte for byte
    (_, body), = _frames(html, "small")[-1:]
    src = re.search(r'src="(data:[^"]+)"', body).group(1)  # type: ignore[union-attr]
    stored = json.loads(json.dumps(pt.Api(root).run(run.id).summary["small"]))
    assert base64.b64decode(src.split(",", 1)[1]) == (run.dir / stored["path"]).read_bytes()
    assert 'width="64" class="pixelated" data-width="8"' in body  # drawn larger, sharp
    # media=False leaves both sections out
    bare_html = bare.read_text()
    assert 'id="images"' not in bare_html and "media-view" not in bare_html


def test_unreadable_or_escaping_image_is_named_and_the_rest_shown(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    px = np.zeros((4, 4, 3), dtype=np.uint8)
    for s in range(3):
        run.log({"im": pt.Image(px + 40 * s, caption=f"c{s}")})
    run.finish()
    files = sorted((run.dir / "media" / "images").glob("im_*.png"), key=lambda p: int(p.name.split("_")[1]))
    files[0].unlink()
    outside = tmp_path / "secret.png"
    outside.write_bytes(files[1].read_bytes())
    files[1].unlink()
    os.symlink(outside, files[1])  # leads out of the run's folder: refused, not read
    html = report(run.id, root=root, path=tmp_path / "r.html").read_text()
    frames = dict(_frames(html, "im"))
    assert "image not readable" in frames[0] and "c0" in frames[0]
    assert "image not readable" in frames[1] and "data:image" not in frames[1]
    assert "data:image/png" in frames[2]


def test_heatmap_columns_one_per_step_first_full_width() -> None:
    hists = [{"bins": [0.0, 1.0, 3.0], "values": [2.0, 4.0]}, {"bins": [0.0, 2.0], "values": [5.0]},
             {"bins": [1.0, 2.0, 3.0], "values": [0.0, 0.0]}]
    cols = heatmap_columns([0, 10, 30], hists)
    assert cols["step"].tolist() == [0, 0, 10, 30, 30]
    # columns touch: each spans half way to its neighbours; the first as wide as the gap to the next
    assert cols["w"].tolist() == [10.0, 10.0, 15.0, 20.0, 20.0]
    assert cols["x"].tolist() == [0.0, 0.0, 12.5, 30.0, 30.0]
    assert cols["y"].tolist() == [0.5, 2.0, 1.0, 1.5, 2.5] and cols["h"].tolist() == [1.0, 2.0, 2.0, 1.0, 1.0]
    assert cols["c"].tolist() == [0.5, 1.0, 1.0, 0.0, 0.0]  # per step normalized; all-zero stays 0
    assert heatmap_columns([7], hists[:1])["w"].tolist() == [1.0, 1.0]


def test_histograms_section_draws_each_key_with_its_steps(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    n = rm.MAX_HISTOGRAM_STEPS + 5
    for s in range(n):
        run.log({"w": pt.Histogram(np.arange(10) + s, num_bins=4), "x": float(s)}, step=2 * s)
    run.log({"w": {"_type": "histogram", "bins": [0], "values": [1, 2]}}, step=2 * n)  # broken, by hand
    run.finish()
    html = report(run.id, root=root, path=tmp_path / "r.html").read_text()
    assert 'id="histograms"' in html
    cell = html.split('id="histograms"', 1)[1].split("</section>", 1)[0]
    assert re.findall(r'class="chart" data-key="([^"]+)"', cell) == ["w"]
    assert f"100 of the {n + 1} logged steps drawn" in cell and "1 logged value(s) of &#x27;w&#x27; are not" in cell
    item = re.search(r'data-item="([^"]+)"', cell).group(1)  # type: ignore[union-attr]
    assert f'id="{item}"' in html


def test_two_runs_each_have_their_views_and_a_step_caps_its_images(root: Path, new_run, tmp_path: Path) -> None:
    px = np.zeros((4, 4), dtype=np.uint8)
    a, b = new_run(name="a"), new_run(name="b")
    a.log({"im": [pt.Image(px + i) for i in range(rm.MAX_IMAGES_PER_STEP + 2)], "h": pt.Histogram([1, 2, 3])})
    b.log({"im": pt.Image(px, caption="from b")})
    a.finish()
    b.finish()
    html = report([a.id, b.id], root=root, path=tmp_path / "r.html").read_text()
    assert re.findall(r'<div class="media-view" data-key="im" data-run="([^"]+)"><h3>([^<]+)</h3>', html) == [
        (a.id, "im · a"), (b.id, "im · b")]
    view_a = html.split(f'data-run="{a.id}"', 1)[1].split('<div class="media-view"', 1)[0]
    assert view_a.count("<img ") == rm.MAX_IMAGES_PER_STEP
    assert f"{rm.MAX_IMAGES_PER_STEP} of the {rm.MAX_IMAGES_PER_STEP + 2} images of this step are shown" in view_a
    assert re.findall(r'class="chart" data-key="(h)"', html) == ["h"] and "h \\u00b7 a" in html  # b logged none; the title as JSON writes it


def test_masks_are_drawn_on_the_inlined_image(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run()
    mask = np.zeros((8, 8), dtype=np.uint8)
    mask[:4] = 1
    run.log({"seg": pt.Image(np.zeros((8, 8, 3), dtype=np.uint8),
                             masks={"predictions": {"mask_data": mask, "class_labels": {1: "cat"}}})})
    run.finish()
    html = report(run.id, root=root, path=tmp_path / "r.html").read_text()
    (_, body), = _frames(html, "seg")
    with _decoded(re.search(r'src="(data:[^"]+)"', body).group(1)) as im:  # type: ignore[union-attr]
        px = np.asarray(im.convert("RGB"))
    assert px[:4].any() and not px[4:].any()  # class 1 coloured over the black image, background left
