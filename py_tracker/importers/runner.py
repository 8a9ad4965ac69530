"""The import loop: find the source's runs, skip those already imported, stage and commit
each one, show a tqdm progress bar and collect the report."""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Sequence

from ..core.names import check_project
from ..errors import UsageError
from ..storage.catalog import Catalog
from ..storage.paths import default_root
from .base import (
    ImportReport,
    Source,
    SourceRun,
    StagedRun,
    clean_leftovers,
    clean_project,
    pick_run_id,
)

log = logging.getLogger("py_tracker")

SOURCES = ("wandb", "tensorboard", "mlflow")


def make_source(kind: str) -> Source:
    """The `Source` for a kind name; the reader libraries are imported only here."""
    if kind == "wandb":
        from .wandb import WandbSource
        return WandbSource()
    if kind == "tensorboard":
        from .tensorboard import TensorBoardSource
        return TensorBoardSource()
    if kind == "mlflow":
        from .mlflow import MlflowSource
        return MlflowSource()
    raise UsageError(f"unknown import source {kind!r}; use one of {', '.join(SOURCES)}")


def run_import(kind: str, paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
               project: str | None = None, root: str | os.PathLike[str] | None = None,
               progress: bool | None = None) -> ImportReport:
    """Import every run found under `paths` into the store at `root` (default store when None).

    `project` puts every imported run into that project (else each keeps its source's
    project: W&B project, MLflow experiment, TensorBoard log dir name). Runs already
    imported (same source id) are skipped. Returns the report; raises UsageError when a
    path holds nothing of this kind or the reader library is missing.
    """
    source = make_source(kind)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise UsageError(f"py-tracker import {kind}: give at least one path")
    if project is not None:
        project = check_project(project)  # the user's own choice: a bad name is an error, not fixed
    catalog = Catalog(Path(root).expanduser() if root is not None else default_root())
    for left in clean_leftovers(catalog):
        log.info("py_tracker: removed %s left by an interrupted import", left)
    report = ImportReport(source=kind)
    items: list[SourceRun] = []
    for p in paths:
        path = Path(p).expanduser()
        if not path.exists() and kind != "mlflow":
            raise UsageError(f"py-tracker import {kind}: {str(p)!r} does not exist; give the folder to import")
        for found in source.find(path):
            if isinstance(found, tuple):
                report.skipped.append(found)
            else:
                items.append(found)
    done = {(r.get("imported") or {}).get("id") for r in catalog.all("runs")
            if (r.get("imported") or {}).get("source") == kind}
    show = sys.stderr.isatty() if progress is None else progress
    try:
        from tqdm.auto import tqdm
    except ImportError:  # the bar is a nicety: without tqdm the import runs the same
        tqdm = None
    bar = tqdm(items, desc=f"import {kind}", unit="run", disable=not show, file=sys.stderr) \
        if tqdm is not None else _NoBar(items)
    for item in bar:
        if item.source_id in done:
            report.skipped.append((item.label, "already imported"))
            continue
        run_id = pick_run_id(catalog, kind, item)
        staged = StagedRun(catalog, run_id, project or clean_project(item.project or kind), kind, item)
        if show:
            staged.on_rows = lambda n, before=report.rows: bar.set_postfix(rows=before + n)
        try:
            source.read(item, staged)
            if project is not None:
                staged.record["project"] = project
            else:
                given = staged.record["project"]
                staged.record["project"] = clean_project(given)
                if staged.record["project"] != given:
                    staged.problem(f"project name {given!r} is not valid in py_tracker; "
                                   f"imported into {staged.record['project']!r}")
            staged.commit()
        except UsageError:
            staged.abort()
            raise
        except Exception as exc:  # one unreadable run must not stop the others; it is reported
            staged.abort()
            report.skipped.append((item.label, f"could not be read: {type(exc).__name__}: {exc}"))
            continue
        except BaseException:
            staged.abort()
            raise
        done.add(item.source_id)
        report.runs.append(run_id)
        report.rows += staged.rows
        report.system_rows += staged.system_rows
        report.files += staged.files
        for text in staged.problems:
            report.problems.append((item.label, text))
        bar.set_postfix(rows=report.rows)
    bar.close()
    return report


class _NoBar(list):
    """Stands in for a tqdm bar when tqdm is not installed."""

    def set_postfix(self, **_: object) -> None:
        pass

    def close(self) -> None:
        pass
