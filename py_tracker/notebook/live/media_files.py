"""One-file media in the Charts tab (`py_tracker.media.files_media`): a step slider and the file of
that step: audio and video play, HTML shows in a sandboxed frame (its scripts run, but cannot
reach JupyterLab), 3-D objects and molecules are listed with a download link."""
from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from ...media.base import resolve
from .stepped import SteppedView
from .tabs import human_size

FILE_TYPES = ("audio-file", "video-file", "html-file", "object3D-file", "molecule-file")
MAX_INLINE = 20 << 20  # bigger files are listed with their path instead of a download link


class MediaFileStrip(SteppedView):
    """Files logged under one key."""

    def __init__(self, key: str, files_dir: Path):
        import ipywidgets as w
        super().__init__()
        self.key = key
        self.files_dir = Path(files_dir)
        self.slider = w.IntSlider(value=0, min=0, max=0, description="step", continuous_update=False,
                                  layout=w.Layout(width="340px"))
        self.caption = w.HTML()
        self.box = w.Box([])
        self.widget = w.VBox([w.HTML(f"<b>{html.escape(key)}</b>"), self.slider, self.box, self.caption],
                             layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px"))
        self.widget.add_class("py-tracker-media-file")
        self._watch_slider()

    def _render(self, i: int) -> None:
        d = self.values[i]
        try:
            path = resolve(self.files_dir, d)
            self.box.children = (self._view(d, path),)
        except (OSError, ValueError, KeyError) as exc:
            self.box.children = ()
            self.caption.value = f"<i>cannot read this file: {html.escape(str(exc))}</i>"
            return
        text = f"step {self.steps[i]}" + (f": {d['caption']}" if d.get("caption") else "")
        self.caption.value = html.escape(text)

    def _view(self, d: dict, path: Path) -> Any:
        import ipywidgets as w
        ext = path.name.rsplit(".", 1)[-1].lower()
        kind = d["_type"]
        if kind == "audio-file":
            return w.Audio(value=path.read_bytes(), format=ext, autoplay=False, loop=False)
        if kind == "video-file":
            if ext == "gif":
                return w.Image(value=path.read_bytes(), format="gif")
            return w.Video(value=path.read_bytes(), format=ext, autoplay=False, loop=False)
        if kind == "html-file":
            page = path.read_text(encoding="utf-8", errors="replace")
            return w.HTML(f'<iframe sandbox="allow-scripts" referrerpolicy="no-referrer" '
                          f'style="width:420px;height:300px;border:1px solid #ccc" '
                          f'srcdoc="{html.escape(page, quote=True)}"></iframe>')
        size = path.stat().st_size
        label = "3-D object" if kind == "object3D-file" else "molecule"
        line = f"{label}: <code>{html.escape(d['path'])}</code> ({human_size(size)})"
        if size <= MAX_INLINE:
            data = base64.b64encode(path.read_bytes()).decode()
            line += (f' · <a download="{html.escape(path.name, quote=True)}" '
                     f'href="data:application/octet-stream;base64,{data}">download</a>')
        return w.HTML(line)
