"""The public `Api` and `ApiRun` (`py_tracker.Api`, `wandb.Api()`): the read layer
`api.Api`/`api.ApiRun` plus W&B's conveniences that belong to packages above it —
sweeps (`Api().sweep()`), artifacts (`Api().artifact()`, `run.logged_artifacts()`,
lineage) and the notebook panel (`run.display()`).

Packages below (sweep, artifacts, report, server, notebook) use `api.Api` itself.
"""
from __future__ import annotations

from typing import Any

from .. import artifacts
from ..api import Api as _ReadApi
from ..api import ApiFile
from ..api.run import ApiRun as _ReadApiRun
from ..sweeps.handle import SweepHandle

__all__ = ["Api", "ApiRun", "ApiFile"]


class ApiRun(_ReadApiRun):
    """A run read back from the store, with its artifacts, lineage and notebook panel."""

    def display(self, height: int | None = None, hidden: bool = False) -> Any:
        """Show this run's panel in the notebook (`height` in pixels, as W&B's iframe)."""
        if hidden:
            return None
        from ..notebook import show_run  # ipywidgets/bokeh: only when shown
        return show_run(self, height=height)

    def logged_artifacts(self, per_page: int = 100) -> list:
        """Artifact versions this run logged (W&B's `Run.logged_artifacts`)."""
        return artifacts.run_artifacts(self._api.root, self.id, "logged")

    def used_artifacts(self, per_page: int = 100) -> list:
        """Artifact versions this run used."""
        return artifacts.run_artifacts(self._api.root, self.id, "used")

    def lineage(self) -> dict:
        """Artifacts this run used and logged, and their other runs: {"nodes", "edges"}."""
        return artifacts.lineage(self._api.root, run_id=self.id)


class Api(_ReadApi):
    """Entry point for reading runs, projects, sweeps and artifacts (W&B's public API)."""

    run_class = ApiRun

    def sweep(self, path: str) -> SweepHandle:
        return SweepHandle.load(self, path)

    def sweeps(self, project: str | None = None) -> list[SweepHandle]:
        return [SweepHandle(self, rec) for rec in self.catalog.all("sweeps")
                if project is None or rec.get("project") == project]

    def artifact(self, name: str, type: str | None = None) -> Any:
        return artifacts.load_artifact(self, name, type=type)

    def artifact_versions(self, type_name: str, name: str, per_page: int = 50) -> list:
        """Every version of artifact `name` ("[project/]name"), newest first (W&B's older name for
        `artifacts(type_name, name)`)."""
        project, _, base = str(name).rpartition("/")
        hits = [a for a in self.artifacts(project.split("/")[-1] or None, type=type_name) if a.base_name == base]
        if not hits:
            raise ValueError(f"no artifact {name!r} of type {type_name!r}; list them with Api().artifacts()")
        return hits

    def artifacts(self, project: str | None = None, type: str | None = None) -> list:
        return artifacts.list_artifacts(self, project=project, type=type)
