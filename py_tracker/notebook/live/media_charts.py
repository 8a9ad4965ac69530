"""Media in the Charts tab: images per step with a slider (masks and boxes drawn on them),
histograms over steps as a heatmap.

Both take history values as stored (dicts with "_type", see `py_tracker.media`)
and read image files lazily from the run's files folder, so a run with
thousands of logged images costs nothing until a step is looked at.
"""
from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import numpy as np

from ...media import from_json
from .stepped import SteppedView


def overlaid_png(png: bytes, item: dict, files_dir: Path) -> bytes:
    """The image with its masks and boxes drawn on it (see `py_tracker.media.overlays`)."""
    import io
    from PIL import Image as PILImage
    from ...media.overlays import overlay
    with PILImage.open(io.BytesIO(png)) as im:
        out = overlay(im, item, files_dir)
    buf = io.BytesIO()
    out.save(buf, format="PNG")
    return buf.getvalue()


class ImageStrip(SteppedView):
    """Images logged under one key: a step slider and the image(s) of that step."""

    def __init__(self, key: str, files_dir: Path):
        import ipywidgets as w
        super().__init__()
        self.key = key
        self.files_dir = Path(files_dir)
        # the slider moves over the logged images; its readout is the step (not the index)
        self.slider = w.IntSlider(value=0, min=0, max=0, description="step", continuous_update=False,
                                  readout=False, layout=w.Layout(width="320px"))
        self.step_label = w.Label("")
        self.step_label.add_class("py-tracker-image-step")
        self.caption = w.HTML()
        self.box = w.HBox([])
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(key)}</b>"), w.HBox([self.slider, self.step_label]),
                              self.box, self.caption],
                             layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px"))
        self.widget.add_class("py-tracker-images")
        self._watch_slider()

    def _render(self, i: int) -> None:
        import ipywidgets as w
        d = self.values[i]
        items = d.get("items", []) if d.get("_type") == "images" else [d]
        imgs, caps = [], []
        for item in items[:16]:
            try:
                data = (self.files_dir / item["path"]).read_bytes() if "path" in item else b""
                if data and (item.get("masks") or item.get("boxes")):
                    data = overlaid_png(data, item, self.files_dir)
            except (OSError, KeyError, ValueError):
                data = b""
            width = min(int(item.get("width") or 128), 256)
            imgs.append(w.Image(value=data, format="png", layout=w.Layout(width=f"{max(width, 48)}px")))
            if item.get("caption"):
                caps.append(str(item["caption"]))
        if not caps:  # an image list also keeps its captions beside the items: show them once
            caps = [str(c) for c in d.get("captions") or [] if c]
        self.box.children = imgs
        self.step_label.value = str(self.steps[i])
        self.caption.value = (f"step {self.steps[i]}" + (": " + html.escape(", ".join(caps)) if caps else ""))


class HistogramHeatmap:
    """Histograms of one key over steps: x = step, y = bin, colour = count (per step normalized)."""

    def __init__(self, key: str, files_dir: Path, width: int = 400, height: int = 240):
        from bokeh.models import ColumnDataSource, LinearColorMapper
        from bokeh.palettes import Viridis256
        from bokeh.plotting import figure
        self.key = key
        self.files_dir = files_dir
        self.source = ColumnDataSource({"x": [], "y": [], "w": [], "h": [], "c": []})
        fig = figure(height=height, width=width, title=key, tools="pan,box_zoom,reset,save",
                     toolbar_location="above")
        mapper = LinearColorMapper(palette=Viridis256, low=0, high=1)
        fig.rect("x", "y", "w", "h", source=self.source, line_color=None,
                 fill_color={"field": "c", "transform": mapper})
        fig.xaxis.axis_label = "Step"
        self.figure = fig
        self._pending: list[tuple[int, dict]] = []
        self._last_step: float | None = None
        self._first: tuple[int, float] | None = None  # (rows, width) of the first column
        self.count = 0
        self._widget: Any = None
        self._born: float | None = None
        self.stream_calls = 0

    def append(self, steps: np.ndarray, values: list[dict]) -> None:
        self._pending.extend(zip((int(s) for s in steps), values))

    settle = 1.5  # see LiveChart.settle

    def flush(self, force: bool = False) -> bool:
        if not self._pending:
            return False
        if not force and self._born is not None and time.monotonic() - self._born < self.settle:
            return False
        xs, ys, ws, hs, cs = [], [], [], [], []
        steps = [step for step, _ in self._pending]
        for j, (step, d) in enumerate(self._pending):
            try:
                counts, edges = from_json(d, self.files_dir)
            except Exception:
                continue
            counts = np.asarray(counts, dtype=float)
            edges = np.asarray(edges, dtype=float)
            if len(edges) != len(counts) + 1 or not len(counts):
                continue
            if self._last_step is not None:
                width = max(1.0, float(step - self._last_step))
            else:  # the first column is as wide as the gap to the next (not a 1-step sliver)
                width = max(1.0, float(steps[j + 1] - step)) if j + 1 < len(steps) else 1.0
                self._first = (len(counts), width)
            self._last_step = step
            top = counts.max() or 1.0
            xs.append(np.full(len(counts), float(step)))
            ys.append((edges[:-1] + edges[1:]) / 2)
            hs.append(np.diff(edges))
            ws.append(np.full(len(counts), width))
            cs.append(counts / top)
        self._pending.clear()
        if not xs:
            return False
        first_alone = self.count == 1 and self._first is not None and self._first[1] == 1.0
        self.source.stream({"x": np.concatenate(xs), "y": np.concatenate(ys), "w": np.concatenate(ws),
                            "h": np.concatenate(hs), "c": np.concatenate(cs)})
        if first_alone:  # the first column came alone: widen it to the gap now known
            rows, _ = self._first
            self.source.patch({"w": [(slice(0, rows), [float(ws[0][0])] * rows)]})
            self._first = (rows, float(ws[0][0]))
        self.count += len(xs)
        self.stream_calls += 1
        return True

    @property
    def widget(self) -> Any:
        if self._widget is None:
            from .bokeh_widget import LiveBokehModel as BokehModel
            self._widget = BokehModel(self.figure)
            self._born = time.monotonic()
        return self._widget

