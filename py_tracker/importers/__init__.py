"""Import runs from other trackers: W&B offline runs, TensorBoard logs, MLflow stores.

`run_import(kind, paths, project=None, root=None)` does the work and returns an
`ImportReport`; `py_tracker.import_runs` and `py-tracker import` are its front ends.
One module per source (`wandb`, `tensorboard`, `mlflow`), each a `base.Source`.
"""
from __future__ import annotations

from .base import ImportReport, Source, SourceRun, StagedRun
from .runner import SOURCES, make_source, run_import

__all__ = ["ImportReport", "Source", "SourceRun", "StagedRun", "SOURCES", "make_source", "run_import"]
