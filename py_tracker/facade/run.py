"""The public `Run` and `DisabledRun`: `core`'s recording runs plus W&B's conveniences that
need packages above `core` — artifacts, lineage, `watch` (model), `display` (notebook),
`files` (api).

The session builds these (it is handed the classes by `py_tracker/__init__.py`), so
`py_tracker.init()` returns a `facade.run.Run`. The methods use only the run's public
surface (`root`, `id`, hooks); the feature packages do the work, imported when a method is
first called (`import py_tracker` loads none of them).
"""
from __future__ import annotations

from typing import Any

from ..core.disabled import DisabledRun as _CoreDisabledRun
from ..core.run import Run as _CoreRun


class ArtifactConveniences:
    """Mixin: `log_artifact`/`use_artifact` on any run with `root`, `id` (disabled runs too)."""

    def log_artifact(self, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                     aliases: list[str] | None = None) -> Any:
        """Record an artifact version produced by this run (see py_tracker.artifacts)."""
        from .. import artifacts
        return artifacts.run_log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: list[str] | None = None) -> Any:
        """Record that this run consumes an artifact version; returns it."""
        from .. import artifacts
        return artifacts.run_use_artifact(self, artifact_or_name, type=type, aliases=aliases)


class Run(ArtifactConveniences, _CoreRun):
    """A recording run (`py_tracker.init()`) with W&B's conveniences."""

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = True) -> Any:
        """Record a PyTorch model's structure and gradient/parameter histograms (see py_tracker.model)."""
        from .. import model  # imports numpy: only when a model is watched
        return model.watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx,
                           log_graph=log_graph, run=self)

    def unwatch(self, models: Any = None) -> None:
        from .. import model
        model.unwatch(models, run=self)

    def log_model(self, path: Any, name: str | None = None, aliases: list[str] | None = None) -> Any:
        """Log a saved model file/folder as a "model" artifact (see py_tracker.artifacts.models)."""
        from .. import artifacts
        return artifacts.run_log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        """Use a model artifact; returns the folder holding its files."""
        from .. import artifacts
        return artifacts.run_use_model(self, name)

    def link_model(self, path: Any, registered_model_name: str, name: str | None = None,
                   aliases: list[str] | None = None) -> Any:
        """log_model, then link it into the "model-registry" project's `registered_model_name`."""
        from .. import artifacts
        return artifacts.run_link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def link_artifact(self, artifact: Any, target_path: str, aliases: list[str] | None = None) -> Any:
        """Link a logged artifact into the collection `target_path` ("project/collection")."""
        from .. import artifacts
        return artifacts.run_link_artifact(self, artifact, target_path, aliases=aliases)

    def logged_artifacts(self) -> list:
        from .. import artifacts
        return artifacts.run_artifacts(self.root, self.id, "logged")

    def used_artifacts(self) -> list:
        from .. import artifacts
        return artifacts.run_artifacts(self.root, self.id, "used")

    def log_code(self, root: str | None = ".", name: str | None = None, include_fn: Any = None,
                 exclude_fn: Any = None) -> Any:
        """Log the source files under `root` as a "code" artifact (W&B's filter: *.py,
        requirements.txt, Dockerfile); returns it, or None when no file matched."""
        from ..artifacts.code import run_log_code
        kw = {"include_fn": include_fn} if include_fn is not None else {}
        return run_log_code(self, root, name=name, exclude_fn=exclude_fn, **kw)

    def lineage(self) -> dict:
        from .. import artifacts
        return artifacts.lineage(self.root, run_id=self.id)

    def display(self, height: int | None = None, hidden: bool = False) -> Any:
        """Show this run's live panel in the notebook (`height` in pixels, as W&B's iframe)."""
        if hidden:
            return None
        from ..notebook import show_run  # ipywidgets/bokeh: only when shown
        return show_run(self, height=height)

    def files(self) -> list:
        from ..api import Api  # numpy: only when listed
        return Api(self.root).run(self.id).files()


class DisabledRun(ArtifactConveniences, _CoreDisabledRun):
    """`init(mode="disabled")`: `core.disabled.DisabledRun` plus the artifact calls, which
    work without a run (W&B lets a disabled run log and use artifacts)."""
