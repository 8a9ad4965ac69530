"""`wandb.plot`: W&B's preset charts (line, scatter, bar, histogram, line_series,
confusion_matrix, pr_curve, roc_curve) and `plot_table` for any spec.

Each returns a `CustomChart` to `log()`: its Table is stored under "<key>_table" and drawn
in the run panel and in reports (see `py_tracker.media.chart`).
"""
from __future__ import annotations

from ..media.chart import CustomChart, CustomChartSpec, plot_table
from ..media.plots import bar, confusion_matrix, histogram, line, line_series, pr_curve, roc_curve, scatter

__all__ = ["CustomChart", "CustomChartSpec", "bar", "confusion_matrix", "histogram", "line", "line_series",
           "plot_table", "pr_curve", "roc_curve", "scatter"]
