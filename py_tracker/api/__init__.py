"""`Api`: read the store from any process (W&B's public API shape), never blocking writers."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..storage.catalog import Catalog
from ..storage.paths import StoreLayout, default_root
from ..storage.records import effective_state
from .filters import compile_filter, order_by
from .run import ApiFile, ApiRun

__all__ = ["Api", "ApiRun", "ApiFile"]


class Api:
    """Entry point for reading runs, projects, sweeps and artifacts.

    `root` is the store root (default: PY_TRACKER_DIR or ~/.py_tracker).
    Reads take no lock: the catalog is replaced atomically, histories are
    append-only, so a reader sees a consistent (possibly slightly old) view.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None, overrides: dict | None = None,
                 timeout: Any = None, api_key: Any = None):
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.layout = StoreLayout(self.root)
        self.catalog = Catalog(self.root, readonly=True)
        self._writable: Catalog | None = None

    def writable_catalog(self) -> Catalog:
        if self._writable is None:
            self._writable = Catalog(self.root)
        return self._writable

    # --- projects -------------------------------------------------------------
    def projects(self, entity: str | None = None) -> list[dict]:
        runs = self.catalog.all("runs")
        out = []
        for p in sorted(self.catalog.all("projects"), key=lambda p: p.get("created_at") or 0):
            mine = [r for r in runs if r.get("project") == p["name"]]
            out.append({"name": p["name"], "created_at": p.get("created_at"), "run_count": len(mine),
                        "last_activity": max((r.get("updated_at") or 0 for r in mine), default=p.get("created_at"))})
        return out

    # --- runs ------------------------------------------------------------------
    def _split(self, path: str) -> tuple[str | None, str]:
        parts = [p for p in str(path).split("/") if p]
        if not parts:
            raise ValueError("run path is empty; use 'project/run_id' or 'run_id'")
        if len(parts) >= 2 and parts[-2] == "runs":
            parts.pop(-2)
        return (parts[-2] if len(parts) >= 2 else None), parts[-1]

    def run(self, path: str) -> ApiRun:
        """One run by "project/id", "entity/project/id" or "id"."""
        project, run_id = self._split(path)
        rec = self.catalog.get("runs", run_id)
        if rec is None or (project is not None and rec.get("project") != project):
            where = f"project {project!r}" if project else str(self.root)
            raise ValueError(f"no run {run_id!r} in {where}; list runs with `py-tracker runs` or Api().runs()")
        return ApiRun(self, rec)

    def runs(self, path: str | None = None, filters: dict | None = None, order: str = "+created_at",
             per_page: int | None = None, include_sweeps: bool = True, lazy: bool = True, *,
             project: str | None = None) -> list[ApiRun]:
        """Runs of `path` ("entity/project" or "project"; all projects when None), filtered
        MongoDB-style (W&B's fields, `createdAt` as ISO dates, `sweep` as an id), ordered by
        `order` (W&B's default "+created_at": oldest first)."""
        project = path if project is None else project
        if project is not None and "/" in project:
            project = project.rstrip("/").split("/")[-1]
        pred = compile_filter(filters) if filters else None
        recs = self.catalog.scan("runs")  # the records as held in memory: nothing is copied
        if project is not None:
            recs = [rec for rec in recs if rec.get("project") == project]
        if pred is not None:
            recs = [rec for rec in recs if pred(self._shown(rec))]
        order = order or "+created_at"
        by_state = order.lstrip("+-") == "state"  # sorting by state sorts by the effective one
        return [ApiRun(self, rec) for rec in order_by(recs, order, doc=self._shown if by_state else None)]

    def _shown(self, rec: dict) -> dict:
        """The record with the state a reader is shown: a "running" run whose writer is gone is
        "crashed" (only running runs are looked at; the others are returned as they are)."""
        if rec.get("state", "running") != "running":
            return rec
        return dict(rec, state=effective_state(rec, self.layout.heartbeat(rec["id"])))

    # --- W&B cloud features with no offline meaning: a clear error, never AttributeError
    def _cloud_only(self, what: str, instead: str) -> Any:
        from ..errors import UnsupportedError
        raise UnsupportedError(f"Api().{what} needs W&B's cloud and has no offline counterpart; {instead}")

    def team(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("team()", "there are no teams offline; share the store folder (PY_TRACKER_DIR)")

    create_team = team

    def user(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("user()", "there are no accounts offline")

    viewer = user

    def reports(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("reports()", "write an HTML report with py_tracker.report(...)")

    create_report = reports

    def create_run_queue(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("create_run_queue()", "run trials with py_tracker.agent() (W&B Launch is cloud-only)")

    @property
    def default_entity(self) -> str:
        from ..core.links import DEFAULT_ENTITY
        return DEFAULT_ENTITY

    # --- sweeps and artifacts (implemented by their packages) ------------------
    def sweep(self, path: str) -> Any:
        from ..sweep import SweepHandle
        return SweepHandle.load(self, path)

    def sweeps(self, project: str | None = None) -> list:
        from ..sweep import SweepHandle
        return [SweepHandle(self, rec) for rec in self.catalog.all("sweeps")
                if project is None or rec.get("project") == project]

    def artifact(self, name: str, type: str | None = None) -> Any:
        from ..artifacts import load_artifact
        return load_artifact(self, name, type=type)

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> list:
        """Every version of artifact `name` ("[project/]name"), newest first (W&B's older name for
        `artifacts(type_name, name)`)."""
        project, _, base = str(name).rpartition("/")
        hits = [a for a in self.artifacts(project.split("/")[-1] or None, type=type_name) if a.base_name == base]
        if not hits:
            raise ValueError(f"no artifact {name!r} of type {type_name!r}; list them with Api().artifacts()")
        return hits

    def artifacts(self, project: str | None = None, type: str | None = None) -> list:
        from ..artifacts import list_artifacts
        return list_artifacts(self, project=project, type=type)
