"""MLflow tracking stores: a file store (`mlruns/`) or a SQLite database, read with
mlflow's own `MlflowClient` (so both look the same and every field means what MLflow
says it means).

Mapping: experiment → project (its name); run name → name; params → config (MLflow keeps
params as strings, and so does the import: nothing is guessed); metrics → history rows,
one row per step with the latest timestamp of its points as `_timestamp`; user tags →
tags `key=value` (all tags, `mlflow.*` ones included, are kept in `imported.tags`);
`mlflow.note.content` → notes; status FINISHED/FAILED/KILLED → finished/failed/stopped
(RUNNING: the run never ended, imported as crashed); artifacts → files/artifacts/.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import UsageError
from ..settings import env_overrides as _env
from .base import Source, SourceRun, StagedRun, merge_points, missing_reader


_STATES = {"FINISHED": "finished", "FAILED": "failed", "KILLED": "stopped"}


def tracking_uri(path: Path | str) -> str:
    """A path or URI as an MLflow tracking URI: `*.db`/`*.sqlite` files are SQLite."""
    text = str(path)
    if "://" in text or text.startswith("sqlite:"):
        return text
    p = Path(text).expanduser().resolve()
    if p.is_file():
        with open(p, "rb") as f:
            if f.read(16).startswith(b"SQLite format 3"):
                return f"sqlite:///{p}"
        raise UsageError(f"py-tracker import mlflow: {text!r} is a file but not an SQLite database; "
                         f"give an mlruns/ folder, an SQLite file or a tracking URI")
    return p.as_uri()


class MlflowSource(Source):
    """An MLflow tracking store given as a folder, an SQLite file or a tracking URI."""

    kind = "mlflow"

    def __init__(self) -> None:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise missing_reader("MLflow stores", "mlflow", exc) from None
        self._client_cls = MlflowClient
        self._clients: dict[str, Any] = {}

    def _client(self, uri: str) -> Any:
        if uri not in self._clients:
            with self._allow(uri):
                self._clients[uri] = self._client_cls(tracking_uri=uri)
        return self._clients[uri]

    @staticmethod
    def _allow(uri: str) -> Any:
        """MLflow 3 refuses to open a file store unless told to (it is in "maintenance mode");
        reading one to move away from it is the case that switch exists for."""
        return _env(MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false") \
            if uri.startswith("file:") else _env(MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR="false")

    def find(self, path: Path) -> Iterator[SourceRun | tuple[str, str]]:
        from mlflow.entities import ViewType
        uri = tracking_uri(path)
        if uri.startswith("file:") and not Path(path).expanduser().is_dir():
            raise UsageError(f"py-tracker import mlflow: {str(path)!r} does not exist; give an mlruns/ "
                             f"folder, an SQLite file or a tracking URI")
        client = self._client(uri)
        found: list[SourceRun] = []
        skipped: list[tuple[str, str]] = []
        with self._allow(uri):
            try:
                experiments = client.search_experiments(view_type=ViewType.ALL)
            except Exception as exc:
                raise UsageError(f"py-tracker import mlflow: could not open {str(path)!r} as an MLflow store: "
                                 f"{exc}") from None
            for exp in experiments:
                token = None
                while True:
                    try:
                        page = client.search_runs([exp.experiment_id], run_view_type=ViewType.ALL,
                                                  max_results=1000, page_token=token)
                    except Exception as exc:  # one damaged run makes MLflow's search fail
                        skipped += self._one_by_one(client, uri, exp, path, found, exc)
                        break
                    for r in page:
                        found.append(self._item(r, exp.name, uri, path))
                    token = page.token
                    if not token:
                        break
        yield from skipped
        yield from found
        if not found:
            raise UsageError(f"py-tracker import mlflow: no runs in {str(path)!r} ({uri})")

    @staticmethod
    def _item(r: Any, experiment: str, uri: str, path: Path) -> SourceRun:
        return SourceRun(source_id=r.info.run_id, label=f"{experiment}/{r.info.run_name or r.info.run_id}",
                         location=Path(str(path)), native_id=r.info.run_id[:32], project=experiment,
                         extra={"uri": uri, "run": r, "experiment": experiment})

    def _one_by_one(self, client: Any, uri: str, exp: Any, path: Path, found: list[SourceRun],
                    error: Exception) -> list[tuple[str, str]]:
        """When MLflow cannot list an experiment's runs, open them one by one (file stores keep
        one folder per run), so only the damaged runs are left out, each with MLflow's reason."""
        if not uri.startswith("file:"):
            return [(exp.name, f"MLflow cannot list the runs of this experiment: {error}")]
        from urllib.parse import urlparse
        from urllib.request import url2pathname
        exp_dir = Path(url2pathname(urlparse(uri).path)) / str(exp.experiment_id)
        skipped = []
        for d in sorted(p for p in exp_dir.iterdir() if (p / "meta.yaml").is_file()) if exp_dir.is_dir() else []:
            try:
                found.append(self._item(client.get_run(d.name), exp.name, uri, path))
            except Exception as exc:
                skipped.append((f"{exp.name}/{d.name}", f"MLflow cannot read this run: {exc}"))
        return skipped

    def read(self, item: SourceRun, run: StagedRun) -> None:
        with self._allow(item.extra["uri"]):
            self._read(item, run)

    def _read(self, item: SourceRun, run: StagedRun) -> None:
        client = self._client(item.extra["uri"])
        r = item.extra["run"]
        info, data = r.info, r.data
        rec = run.record
        rec["name"] = info.run_name or info.run_id
        rec["config"] = dict(data.params)
        tags = dict(data.tags)
        rec["tags"] = [f"{k}={v}" for k, v in sorted(tags.items()) if not k.startswith("mlflow.")]
        rec["notes"] = tags.get("mlflow.note.content")
        rec["imported"]["tags"] = tags
        rec["imported"]["experiment"] = item.extra["experiment"]
        start = info.start_time / 1000.0 if info.start_time else None
        end = info.end_time / 1000.0 if info.end_time else None
        series: dict[str, tuple[Any, Any, Any]] = {}
        for key in sorted(data.metrics):
            try:
                points = client.get_metric_history(info.run_id, key)
            except Exception as exc:  # one damaged metric: the others are still imported
                run.problem(f"metric {key!r} could not be read: {type(exc).__name__}: {exc}")
                continue
            if not points:
                continue
            series[key] = (np.fromiter((m.step for m in points), dtype=np.int64, count=len(points)),
                           np.fromiter((m.timestamp / 1000.0 for m in points), dtype=float, count=len(points)),
                           np.fromiter((m.value for m in points), dtype=float, count=len(points)))
        for n, columns in merge_points(series, start):
            run.add_columns(n, columns)
        if start is not None:
            rec["created_at"] = start
        state = _STATES.get(info.status)
        if state is None:
            state = "crashed"
            run.problem(f"MLflow status {info.status}: the run never ended; imported as crashed")
        rec["state"] = state
        rec["exit_code"] = 0 if state == "finished" else None
        if end is not None:
            rec["finished_at"] = rec["updated_at"] = end
        if start is not None and end is not None:
            rec["runtime"] = max(0.0, end - start)
        self._artifacts(client, info.run_id, run)

    @staticmethod
    def _artifacts(client: Any, run_id: str, run: StagedRun) -> None:
        try:
            if not client.list_artifacts(run_id):
                return
        except Exception as exc:
            run.problem(f"artifacts could not be listed: {exc}")
            return
        with tempfile.TemporaryDirectory(dir=run.dir) as tmp:
            try:
                local = Path(client.download_artifacts(run_id, "", tmp))
            except Exception as exc:
                run.problem(f"artifacts could not be copied: {exc}")
                return
            run.copy_tree(local, "artifacts")
