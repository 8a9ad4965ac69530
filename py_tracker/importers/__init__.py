"""Import runs from other trackers: W&B offline runs, TensorBoard logs, MLflow stores.

`run_import(kind, paths, project=None, root=None)` does the work and returns an
`ImportReport`; `py_tracker.import_runs` and `py-tracker import` are its front ends.
One module per source (`wandb`, `tensorboard`, `mlflow`), each a `base.Source`.
"""
from __future__ import annotations

import os
import sys
from typing import Sequence

from .base import ImportReport, Source, SourceRun, StagedRun
from .runner import SOURCES, make_source, run_import

__all__ = ["ImportReport", "ImportedRuns", "Source", "SourceRun", "StagedRun", "SOURCES", "import_runs",
           "make_source", "run_import"]


class ImportedRuns(list):
    """The runs an import made (`Api` runs), with the import's `report` attached."""

    report: ImportReport


def import_runs(source: str, path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
                project: str | None = None, *, dir: str | os.PathLike[str] | None = None,
                progress: bool | None = None, quiet: bool = False) -> ImportedRuns:
    """Import runs from another tracker into the store; returns the new runs.

    source: "wandb" (offline-run-*/run-* folders or a wandb/ folder), "tensorboard" (a log
    dir) or "mlflow" (an mlruns/ folder, an SQLite file or a tracking URI). project: put
    every run into this project (default: the source's own). dir: the store root (default
    $PY_TRACKER_DIR or ~/.py_tracker). Importing the same source again adds nothing. The
    summary (runs, rows, files, what was skipped or unreadable) is printed to stderr
    unless quiet; it is also `result.report`.
    """
    from ..api import Api
    report = run_import(source, path, project=project, root=dir, progress=progress)
    if not quiet:
        print(report.summary(), file=sys.stderr)
    api = Api(dir)
    out = ImportedRuns(api.run(run_id) for run_id in report.runs)
    out.report = report
    return out
