"""A report's Images and Histograms sections: each run's logged images over steps (a step slider,
the step's images inlined as data: URIs, their captions as escaped text) and each histogram key
as a heatmap over steps (a Bokeh figure, embedded with the report's other charts).

Which keys hold media, which steps are kept and each caption once come from
`py_tracker.media.stepped` (the rules of the sidebar's Media tab). A report stays shareable:

- at most MAX_IMAGE_STEPS (20) steps per image key, evenly chosen with the first and the last
  kept; the page says how many logged steps were left out;
- at most MAX_IMAGES_PER_STEP (16) images of one step (as the run panel), the rest counted;
- an image is inlined as stored when it is a PNG of at most MAX_SIDE (256) px a side and at most
  INLINE_BYTES (48 KB); otherwise it is downscaled to fit MAX_SIDE × MAX_SIDE (aspect kept) and
  re-encoded as PNG, or as JPEG (quality 85, alpha over white) when that PNG is still above
  INLINE_BYTES. Measured (`python benchmarks/bench_report_media.py`): a run of 100 steps × 4
  images of 512 × 512 px (+ a histogram and a loss) gives a 4.8 MB report for smooth pictures and
  5.2 MB for noise (the worst case for compression), 1.3 MB of it BokehJS and the loss chart;
- at most MAX_HISTOGRAM_STEPS (100) steps per histogram key (same spacing rule, said in the page).

Image files are read through `media.base.resolve` (a path leading out of the run's folder,
symlinks included, is refused and named in the page instead of the image). The slider is the
page's own nonce'd script (IMAGES_JS, addEventListener only; the CSP refuses anything else);
without scripts the newest step shows.
"""
from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import Any

from ..media.base import resolve
from ..media.stepped import (
    column_media_keys,
    heatmap_columns,
    image_entries,
    media_keys,
    media_series,
    stepped_values,
)
from . import charts
from .data import RunData

MAX_IMAGE_STEPS = 20
MAX_IMAGES_PER_STEP = 16
MAX_SIDE = 256
INLINE_BYTES = 48 << 10
JPEG_QUALITY = 85
MAX_HISTOGRAM_STEPS = 100
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

CSS = """
.media-view{border:1px solid var(--line);border-radius:8px;padding:6px 10px;margin:10px 0 16px}
.media-view h3{font-size:15px;margin:4px 0}
.media-controls{display:flex;align-items:center;gap:10px;font-size:13px}
.media-controls input{width:min(420px,60%)}
.media-step{font-variant-numeric:tabular-nums;font-weight:600}
.media-images{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.media-images figure{margin:0;max-width:260px}
.media-images img{display:block;max-width:256px;height:auto}
.media-images img.pixelated{image-rendering:pixelated}
.media-images figcaption{font-size:12px;color:var(--muted);overflow-wrap:anywhere}
"""

# The Images section's step sliders: each shows one step's frame and writes that frame's logged
# step (not its index) into the label.
IMAGES_JS = """
(function () {
  "use strict";
  document.querySelectorAll(".media-view").forEach(function (box) {
    var slider = box.querySelector("input.media-slider"), label = box.querySelector(".media-step");
    var frames = Array.prototype.slice.call(box.querySelectorAll(".media-frame"));
    if (!slider || !frames.length) { return; }
    function show() {
      var i = Math.max(0, Math.min(frames.length - 1, parseInt(slider.value, 10) || 0));
      frames.forEach(function (f, j) { f.hidden = j !== i; });
      label.textContent = "step " + frames[i].getAttribute("data-step");
    }
    slider.addEventListener("input", show);
    show();
  });
})();
"""


def run_media_keys(run: RunData) -> dict[str, str]:
    """{key: "images" | "histogram"} of one run: those its summary names and those its history
    columns hold."""
    _, cols = run.columns("history")
    kinds = column_media_keys(cols)
    kinds.update({k: v for k, v in media_keys(run.summary).items() if k in cols})
    return kinds


class _Inliner:
    """Image files of one run as data: URIs, bounded as the module docstring says; each file is
    read and encoded once (an image logged unchanged at many steps shares its stored file)."""

    def __init__(self, files_dir: Path):
        self.files_dir = Path(files_dir)
        self._done: dict[str, tuple[str, int, int]] = {}

    def src(self, item: dict[str, Any]) -> tuple[str, int, int]:
        """(data: URI, width, height) of a stored image-file item; raises OSError/ValueError."""
        key = f"{item.get('path')}|{bool(item.get('masks') or item.get('boxes'))}"
        if key not in self._done:
            self._done[key] = self._encode(item)
        return self._done[key]

    def _encode(self, item: dict[str, Any]) -> tuple[str, int, int]:
        from PIL import Image as PILImage
        raw = resolve(self.files_dir, item).read_bytes()
        overlays = bool(item.get("masks") or item.get("boxes"))
        with PILImage.open(io.BytesIO(raw)) as im:
            w, h = im.size
            if not overlays and raw.startswith(_PNG_MAGIC) and max(w, h) <= MAX_SIDE and len(raw) <= INLINE_BYTES:
                return _uri("png", raw), w, h
            im.load()
            if overlays:
                from ..media.overlays import overlay
                im = overlay(im, item, self.files_dir)
            if max(im.size) > MAX_SIDE:
                im = im.copy()
                im.thumbnail((MAX_SIDE, MAX_SIDE), PILImage.LANCZOS)
            if im.mode not in ("RGB", "RGBA", "L", "LA"):
                im = im.convert("RGBA" if "A" in im.getbands() or im.mode == "P" else "RGB")
            buf = io.BytesIO()
            im.save(buf, format="PNG")
            if buf.tell() <= INLINE_BYTES:
                return _uri("png", buf.getvalue()), im.width, im.height
            flat = im
            if "A" in im.getbands():
                flat = PILImage.new("RGB", im.size, (255, 255, 255))
                flat.paste(im.convert("RGBA"), mask=im.convert("RGBA").getchannel("A"))
            buf = io.BytesIO()
            flat.convert("RGB").save(buf, format="JPEG", quality=JPEG_QUALITY)
            return _uri("jpeg", buf.getvalue()), im.width, im.height


def _uri(mime: str, data: bytes) -> str:
    return f"data:image/{mime};base64,{base64.b64encode(data).decode()}"


def _figure_html(inliner: _Inliner, item: dict[str, Any], caption: str | None, key: str) -> str:
    try:
        src, w, h = inliner.src(item)
    except (OSError, ValueError) as exc:  # a missing, damaged or refused file: named, not dropped
        body = f"<i>image not readable: {escape(str(exc))}</i>"
    else:
        shown = min(max(w, 64), MAX_SIDE)  # tiny images (digits, icons) are drawn larger, sharp
        cls = ' class="pixelated"' if shown > w else ""
        alt = escape(caption if caption is not None else key, quote=True)
        body = f'<img src="{src}" alt="{alt}" width="{shown}"{cls} data-width="{w}" data-height="{h}">'
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption is not None else ""
    return f"<figure>{body}{cap}</figure>"


def _image_view(run: RunData, key: str, title: str) -> str:
    """One image key of one run: a slider over its kept steps and each step's frame."""
    _, cols = run.columns("history")
    logged, values = stepped_values(cols[key], cols.get("_step"), MAX_IMAGE_STEPS)
    inliner = _Inliner(Path(run.api_run.dir))
    frames, steps, bad = [], [], 0
    for step, value in values:
        entries = image_entries(value)
        if entries is None:
            bad += 1
            continue
        figs = "".join(_figure_html(inliner, item, caption, key) for item, caption in entries[:MAX_IMAGES_PER_STEP])
        more = (f'<p class="meta">{MAX_IMAGES_PER_STEP} of the {len(entries)} images of this step are shown.</p>'
                if len(entries) > MAX_IMAGES_PER_STEP else "")
        frames.append((step, f'<div class="media-images">{figs}</div>{more}'))
        steps.append(step)
    notes = []
    if logged > MAX_IMAGE_STEPS:
        notes.append(f"Showing {MAX_IMAGE_STEPS} of the {logged} logged steps, evenly spaced (the first and "
                     f"the last kept): {logged - MAX_IMAGE_STEPS} steps left out of this report.")
    if bad:
        notes.append(f"{bad} logged value(s) of {key!r} are not images and are not shown.")
    note = "".join(f'<p class="meta media-note">{escape(n)}</p>' for n in notes)
    head = f'<div class="media-view" data-key="{escape(key, quote=True)}" data-run="{escape(run.id, quote=True)}">' \
           f"<h3>{escape(title)}</h3>"
    if not frames:
        return head + note + "</div>"
    last = len(frames) - 1
    slider = (f'<input type="range" class="media-slider" min="0" max="{last}" value="{last}" step="1" '
              f'aria-label="step of {escape(title, quote=True)}">' if len(frames) > 1 else "")
    controls = (f'<div class="media-controls">{slider}<span class="media-step">step {steps[-1]}</span>'
                f'<span class="meta">{len(frames)} step(s) shown</span></div>')
    body = "".join(f'<div class="media-frame" data-step="{step}"{"" if i == last else " hidden"}>{html}</div>'
                   for i, (step, html) in enumerate(frames))
    return head + controls + note + body + "</div>"


def images_block(runs: list[RunData]) -> str:
    """The Images section's HTML ("" when no run logged images)."""
    out = []
    for r in runs:
        for key, kind in sorted(run_media_keys(r).items()):
            if kind == "images":
                out.append(_image_view(r, key, f"{key} · {r.label}" if len(runs) > 1 else key))
    return "".join(out)


def histogram_figures(runs: list[RunData]) -> list[tuple[str, Any, str]]:
    """(key, Bokeh heatmap, note html) per histogram key of each run: x = step, y = bin, colour =
    count normalized per step; the note says when steps were left out or values not shown."""
    out = []
    for r in runs:
        kinds = {k: v for k, v in run_media_keys(r).items() if v == "histogram"}
        if not kinds:
            continue
        _, cols = r.columns("history")
        for doc in media_series(kinds, cols, MAX_HISTOGRAM_STEPS):
            if not doc["steps"]:
                continue
            title = f"{doc['key']} · {r.label}" if len(runs) > 1 else doc["key"]
            fig = charts.histogram_figure(title, heatmap_columns(doc["steps"], doc["histograms"]))
            notes = []
            if doc["logged"] > MAX_HISTOGRAM_STEPS:
                notes.append(f"{MAX_HISTOGRAM_STEPS} of the {doc['logged']} logged steps drawn, evenly spaced "
                             f"(the first and the last kept).")
            if doc["error"]:
                notes.append(doc["error"])
            out.append((doc["key"], fig, "".join(f'<p class="meta">{escape(n)}</p>' for n in notes)))
    return out
