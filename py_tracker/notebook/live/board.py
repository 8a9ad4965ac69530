"""`ChartBoard`: the charts of one history stream, created as keys appear, grouped in sections.

Takes columns (as `StreamTail` reads them), routes each key to its chart: numbers
to a `LiveChart`, images to an `ImageStrip`, histograms to a `HistogramHeatmap`, custom
charts (`wandb.plot.*` tables with a spec) to a `CustomChartView`, plain tables
(`wandb.Table`) to a `TableView`. Other values (strings) are not charted. Used for the Charts tab (sections
by key prefix) and the System tab (sections by device).
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .charts import BASE_X, ChartOptions, LiveChart, section_of, step_metric_for
from ...media.chart import chart_of
from .custom_charts import CustomChartView
from .media_charts import HistogramHeatmap, ImageStrip
from .media_files import FILE_TYPES, MediaFileStrip
from .table_view import TABLE_TYPES, TableView

IMAGE_TYPES = ("image-file", "images")
HISTOGRAM_TYPES = ("histogram",)
MAX_CHARTS = 200  # beyond this a board stops adding charts (a browser cannot show thousands)


class ChartBoard:
    """Charts of one stream. Call `ingest(n, cols)` then `flush()` from the owner thread."""

    def __init__(self, files_dir: Path, options: ChartOptions, *, section: Callable[[str], str] = section_of,
                 step_metrics: Callable[[], dict[str, str]] = dict, empty_text: str = "No metrics logged yet.",
                 chart_width: int = 400, chart_height: int = 240):
        import ipywidgets as w
        self.files_dir = Path(files_dir)
        self.options = options
        self.section = section
        self.step_metrics = step_metrics
        self.charts: dict[str, Any] = {}
        self.chart_width, self.chart_height = chart_width, chart_height
        self._sections: dict[str, Any] = {}
        self._empty = w.HTML(f"<i>{html.escape(empty_text)}</i>")
        self.widget = w.VBox([self._empty])
        self.on_command: Any = None  # set by the panel: routes zoom callbacks to its updater
        self.points = 0
        self.wall_offset: float | None = None  # _timestamp - _runtime: wall time without storing it
        self._pending_widgets: list[tuple[str, Any]] = []

    # --- data ---------------------------------------------------------------------------
    def ingest(self, n: int, cols: dict[str, np.ndarray]) -> None:
        if not n:
            return
        defs = self.step_metrics() or {}
        if self.wall_offset is None and "_timestamp" in cols and "_runtime" in cols:
            ok = np.flatnonzero(~np.isnan(np.asarray(cols["_runtime"], dtype=float)))
            if len(ok):
                self.wall_offset = float(cols["_timestamp"][ok[0]]) - float(cols["_runtime"][ok[0]])
        for key in sorted(cols):
            if key.startswith("_"):
                continue
            arr = cols[key]
            if arr.dtype.kind in "fiu":
                mask = ~np.isnan(arr) if arr.dtype.kind == "f" else np.ones(len(arr), dtype=bool)
                dense = bool(mask.all())
                if not dense and not mask.any():
                    continue
                chart = self._chart(key, "scalar", defs)
                if chart is None:
                    continue
                xs = {k: (cols[k] if dense else cols[k][mask]) for k in BASE_X if k in cols}
                sm = chart.step_metric
                if sm and sm in cols and cols[sm].dtype.kind in "fiu":
                    xs[sm] = cols[sm] if dense else cols[sm][mask]
                chart.append(arr if dense else arr[mask], xs)
                self.points += len(arr) if dense else int(mask.sum())
            else:
                self._ingest_media(key, arr, cols.get("_step"), defs)

    def _ingest_media(self, key: str, arr: np.ndarray, steps: np.ndarray | None, defs: dict) -> None:
        idx = [i for i, v in enumerate(arr) if isinstance(v, dict) and "_type" in v]
        if not idx:
            return
        kind = arr[idx[0]]["_type"]
        if kind in IMAGE_TYPES:
            chart = self._chart(key, "images", defs)
        elif kind in HISTOGRAM_TYPES:
            chart = self._chart(key, "histogram", defs)
        elif kind in FILE_TYPES:
            chart = self._chart(key, "file", defs)
        elif chart_of(arr[idx[-1]]) is not None:
            idx = [i for i in idx if chart_of(arr[i]) is not None]
            chart = self._chart(key, "custom", defs)
        elif kind in TABLE_TYPES:
            idx = [i for i in idx if arr[i].get("_type") in TABLE_TYPES]
            chart = self._chart(key, "table", defs)
        else:
            return
        if chart is None:
            return
        st = steps[idx] if steps is not None else np.arange(len(idx))
        chart.append(st, [arr[i] for i in idx])

    def _chart(self, key: str, kind: str, defs: dict) -> Any:
        chart = self.charts.get(key)
        if chart is not None:
            return chart
        if len(self.charts) >= MAX_CHARTS:
            return None
        if kind == "scalar":
            chart = LiveChart(key, options=self.options, step_metric=step_metric_for(key, defs),
                              width=self.chart_width, height=self.chart_height)
            chart.on_command = self.on_command
            chart.wall_offset = self.wall_offset
        elif kind == "images":
            chart = ImageStrip(key, self.files_dir)
        elif kind == "file":
            chart = MediaFileStrip(key, self.files_dir)
        elif kind == "table":
            chart = TableView(key, self.files_dir)
        elif kind == "custom":
            chart = CustomChartView(key, self.files_dir, width=self.chart_width, height=self.chart_height)
        else:
            chart = HistogramHeatmap(key, self.files_dir, width=self.chart_width, height=self.chart_height)
        self.charts[key] = chart
        self._pending_widgets.append((key, chart))
        return chart

    # --- display ------------------------------------------------------------------------
    def flush(self, force: bool = False) -> int:
        """Flush every chart (one stream each at most), then lay out charts that are new (their
        widget is created with the data already in the figure). Returns how many sent something."""
        sent = sum(1 for c in list(self.charts.values()) if c.flush(force))
        if self._pending_widgets:
            self._layout()
        return sent

    def _layout(self) -> None:
        """Add new charts (and sections) to the page without re-creating any shown chart.

        Children are only ever appended: ipywidgets re-creates the view of every child after
        the first changed position, and a re-created BokehJS view starts from the figure as
        its widget was made (the points streamed since are gone: train/loss drew x = [0, 102,
        ...] once `epoch` or `gradients/*` appeared). The sorted order is CSS `order` instead.
        """
        import ipywidgets as w
        new, self._pending_widgets = self._pending_widgets, []
        touched = set()
        for key, chart in new:
            name = self.section(key)
            sec = self._sections.get(name)
            if sec is None:
                grid = w.GridBox([], layout=w.Layout(
                    grid_template_columns=f"repeat(auto-fill, minmax({self.chart_width + 10}px, 1fr))",
                    grid_gap="4px"))
                title = w.HTML(f"<b>{html.escape(name) if name else 'Charts'}</b>")
                sec = self._sections[name] = (w.VBox([title, grid]), grid, [])
            sec[2].append((key, chart.widget))
            touched.add(name)
        for name in touched:
            box, grid, items = self._sections[name]
            _set_order(items)
            grid.children = tuple(wd for _, wd in items)  # appended: same order as before plus new
        sections = [(s, self._sections[s][0]) for s in self._sections]  # insertion order
        _set_order(sections, key=lambda s: (s != "", s))
        self.widget.children = tuple(box for _, box in sections)

    def scalar_charts(self) -> list[LiveChart]:
        return [c for c in self.charts.values() if isinstance(c, LiveChart)]

    def apply_options(self) -> None:
        for c in self.scalar_charts():
            c.apply_options()


def _set_order(items: list[tuple[str, Any]], key: Callable[[str], Any] = lambda k: k) -> None:
    """Give each widget of `items` ((name, widget), in the order they were added) the CSS
    `order` of its name's sorted rank, so a flex or grid container shows them sorted."""
    ranks = {name: i for i, name in enumerate(sorted((n for n, _ in items), key=key))}
    for name, widget in items:
        order = str(ranks[name])
        if widget.layout.order != order:
            widget.layout.order = order


def system_section(key: str) -> str:
    """System keys grouped by device: "system.gpu.0.temp" -> "GPU 0", "system.cpu" -> "CPU"."""
    parts = key.split(".")
    rest = parts[1:] if parts and parts[0] == "system" else parts
    if not rest:
        return "Other"
    head = rest[0]
    if head == "gpu" and len(rest) > 2:
        return f"GPU {rest[1]}"
    if head.startswith("cpu") or head.startswith("proc.cpu"):
        return "CPU"
    if "mem" in head:
        return "Memory"
    if head.startswith(("disk", "network", "net")):
        return "Disk & network"
    if head == "proc":
        return "Process"
    return "Other"
