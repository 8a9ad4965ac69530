"""Custom charts (`wandb.plot.*`) in the Charts tab: the newest logged value of a key, drawn.

A chart's table and spec are stored in its history row (see `py_tracker.media.chart`); this
view reads the table file of the newest step and draws it with `py_tracker.plot.figures`,
with a step slider to look at earlier ones. Files are read only when a step is shown.
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ...media import from_json
from ...media.chart import chart_of
from ...plot.figures import chart_figure
from .stepped import SteppedView


class CustomChartView(SteppedView):
    """Charts logged under one key (e.g. "roc_table"): a step slider and the chart of that step."""

    hide_single_step = True  # one chart logged once needs no slider

    def __init__(self, key: str, files_dir: Path, width: int = 400, height: int = 260):
        import ipywidgets as w
        super().__init__()
        self.key = key
        self.files_dir = Path(files_dir)
        self.width, self.height = width, height
        self.figure: Any = None  # the Bokeh figure shown now (tests and compare read it)
        self.slider = w.IntSlider(value=0, min=0, max=0, description="step", continuous_update=False,
                                  layout=w.Layout(width="340px"))
        self.note = w.HTML()
        self.box = w.Box([])
        self.widget = w.VBox([self.box, self.slider, self.note],
                             layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px"))
        self.widget.add_class("py-tracker-custom-chart")
        self._watch_slider()

    def _render(self, i: int) -> None:
        from .bokeh_widget import LiveBokehModel as BokehModel
        d = self.values[i]
        chart = chart_of(d) or {}
        try:
            fig = chart_figure(chart, from_json(d, self.files_dir), width=self.width, height=self.height)
        except Exception as exc:  # a damaged table file must not break the panel
            fig, why = None, f"could not read the table ({exc})"
        else:
            why = f"spec {chart.get('spec')!r} is stored, not drawn; see the Files tab" if fig is None else ""
        self.figure = fig
        self.box.children = (BokehModel(fig),) if fig is not None else ()
        step = f"step {self.steps[i]}" if i < len(self.steps) else ""
        self.note.value = html.escape(f"{self.key} · {step}" + (f" · {why}" if why else ""))
