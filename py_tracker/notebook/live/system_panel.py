"""`%track system`: a live system-load panel (CPU, memory, disk, network, GPU) without a run.

A `SystemMonitor` thread hands samples to this panel's sink (a deque append);
the panel's `Updater` thread turns them into columns and flushes the charts,
exactly as the run panel's System tab does. A Stop button ends the monitor.
"""
from __future__ import annotations

import collections
import time
from typing import Any

import numpy as np

from .board import ChartBoard, system_section
from .charts import X_RUNTIME, ChartOptions
from .updater import Tickable, Updater


class SystemPanel(Tickable):
    def __init__(self, interval: float = 1.0, *, monitor: Any = None, refresh: float = 0.5, start: bool = True):
        import ipywidgets as w
        from ...monitor import SystemMonitor
        import tempfile
        self._rows: collections.deque = collections.deque()
        self._t0 = time.time()
        self.board = ChartBoard(tempfile.gettempdir(), ChartOptions(x_axis=X_RUNTIME), section=system_section,
                                empty_text="Waiting for the first sample…", chart_width=320, chart_height=200)
        self.monitor = monitor or SystemMonitor(self._sink, interval=interval)
        if monitor is not None:
            monitor.sink = self._sink
        self.updater = Updater(self, interval=refresh, idle=refresh)
        self.board.on_command = self.updater.submit
        self.status = w.HTML("system load of this machine (live)")
        self.stop_button = w.Button(description="Stop", icon="stop")
        self.stop_button.on_click(lambda _b: self.stop())
        self.widget = w.VBox([w.HBox([self.status, self.stop_button]), self.board.widget],
                             layout=w.Layout(border="1px solid #ccc", padding="6px"))
        self.widget.add_class("py-tracker-system")
        self._stopped = False
        if start:
            self.monitor.start()
            self.updater.start()

    def _sink(self, row: dict) -> None:
        now = time.time()
        r = dict(row)
        r["_timestamp"] = now
        r["_runtime"] = now - self._t0
        self._rows.append(r)

    def done(self) -> bool:
        return self._stopped

    def tick(self) -> None:
        rows = []
        while self._rows:
            rows.append(self._rows.popleft())
        if rows:
            keys = {k for r in rows for k in r}
            cols = {k: np.array([float(r.get(k, np.nan)) if isinstance(r.get(k, np.nan), (int, float))
                                 else np.nan for r in rows]) for k in keys}
            self.board.ingest(len(rows), cols)
        self.board.flush()

    def finalize(self) -> None:
        self.status.value = "system monitor stopped"
        self.stop_button.disabled = True

    def stop(self) -> None:
        self.monitor.stop()
        self._stopped = True
        self.updater.wake.set()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from ..display import widget_bundle
        return widget_bundle(self.widget, "py_tracker system panel (open in JupyterLab)", include, exclude)


def system_panel(interval: float = 1.0) -> SystemPanel:
    """A live system-load panel; display it as a cell's result. `.stop()` ends it."""
    return SystemPanel(interval=interval)
