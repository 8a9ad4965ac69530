"""A view of one key's values over steps with a step slider (images, media files, custom
charts): the slider follows the newest step until the user moves it back, and only the
shown step is read from disk. Subclasses draw one value in `_render(i)`."""
from __future__ import annotations

from typing import Any

import numpy as np


class SteppedView:
    """The slider logic every per-step media view shares.

    Contract: the subclass's `__init__` sets `self.slider` (an ipywidgets IntSlider) and then
    calls `_watch_slider()`; `_render(i)` shows `self.values[i]` (logged at `self.steps[i]`).
    `hide_single_step` hides the slider while there is only one value."""

    hide_single_step = False
    slider: Any

    def __init__(self) -> None:
        self.steps: list[int] = []
        self.values: list[dict] = []
        self._follow = True
        self._shown = -1

    def _watch_slider(self) -> None:
        self.slider.observe(self._on_slide, "value")

    def append(self, steps: np.ndarray, values: list[dict]) -> None:
        self.steps.extend(int(s) for s in steps)
        self.values.extend(values)

    def flush(self, force: bool = False) -> bool:
        """Follow the newest step unless the user moved the slider back; True when a new
        step was drawn."""
        if not self.values:
            return False
        last = len(self.values) - 1
        if self.hide_single_step:
            self.slider.layout.display = None if last else "none"
        if self.slider.max != last:
            follow = self._follow
            self.slider.max = last
            if follow:
                self.slider.value = last
        if self._shown != self.slider.value:
            self._show(self.slider.value)
            return True
        return False

    def _on_slide(self, change: dict) -> None:
        self._follow = change["new"] == self.slider.max
        self._show(change["new"])

    def _show(self, i: int) -> None:
        if not 0 <= i < len(self.values):
            return
        self._shown = i
        self._render(i)

    def _render(self, i: int) -> None:
        raise NotImplementedError
