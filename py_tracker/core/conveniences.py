"""W&B's conveniences on the Run object: save, watch, artifacts, lineage, display, files.

Each reaches a feature package lazily (inside the method), so `core` stays
below them in the layering and `import py_tracker` stays light. Methods use
only the Run's public surface (`dir`, `root`, `id`, hooks).
"""
from __future__ import annotations

from typing import Any


class RunConveniences:
    """Mixin for `Run`."""

    dir: Any
    root: Any
    id: str

    def save(self, glob_str: str, base_path: str | None = None, policy: str = "live") -> list[str]:
        from .. import files
        saver = getattr(self, "_saver", None)
        if saver is None:
            saver = self._saver = files.FileSaver(self.dir)
            self.add_poll_hook(saver.poll)
            self.add_finish_hook(saver.close)
        return saver.save(glob_str, base_path=base_path, policy=policy)

    def watch(self, models: Any, criterion: Any = None, log: str | None = "gradients",
              log_freq: int = 1000, idx: int | None = None, log_graph: bool = True) -> Any:
        """Record a PyTorch model's structure and gradient/parameter histograms (see py_tracker.model)."""
        from .. import model
        return model.watch(models, criterion=criterion, log=log, log_freq=log_freq, idx=idx,
                           log_graph=log_graph, run=self)

    def unwatch(self, models: Any = None) -> None:
        from .. import model
        model.unwatch(models, run=self)

    def log_artifact(self, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                     aliases: list[str] | None = None) -> Any:
        """Record an artifact version produced by this run (see py_tracker.artifacts)."""
        from ..artifacts import run_log_artifact
        return run_log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases)

    def use_artifact(self, artifact_or_name: Any, type: str | None = None, aliases: list[str] | None = None) -> Any:
        """Record that this run consumes an artifact version; returns it."""
        from ..artifacts import run_use_artifact
        return run_use_artifact(self, artifact_or_name, type=type, aliases=aliases)

    def log_model(self, path: Any, name: str | None = None, aliases: list[str] | None = None) -> Any:
        """Log a saved model file/folder as a "model" artifact (see py_tracker.artifacts.models)."""
        from ..artifacts import run_log_model
        return run_log_model(self, path, name=name, aliases=aliases)

    def use_model(self, name: str) -> str:
        """Use a model artifact; returns the folder holding its files."""
        from ..artifacts import run_use_model
        return run_use_model(self, name)

    def link_model(self, path: Any, registered_model_name: str, name: str | None = None,
                   aliases: list[str] | None = None) -> Any:
        """log_model, then link it into the "model-registry" project's `registered_model_name`."""
        from ..artifacts import run_link_model
        return run_link_model(self, path, registered_model_name, name=name, aliases=aliases)

    def link_artifact(self, artifact: Any, target_path: str, aliases: list[str] | None = None) -> Any:
        """Link a logged artifact into the collection `target_path` ("project/collection")."""
        from ..artifacts import run_link_artifact
        return run_link_artifact(self, artifact, target_path, aliases=aliases)

    def logged_artifacts(self) -> list:
        from ..artifacts import run_artifacts
        return run_artifacts(self.root, self.id, "logged")

    def used_artifacts(self) -> list:
        from ..artifacts import run_artifacts
        return run_artifacts(self.root, self.id, "used")

    def log_code(self, root: str | None = ".", name: str | None = None, include_fn: Any = None,
                 exclude_fn: Any = None) -> Any:
        """Log the source files under `root` as a "code" artifact (W&B's filter: *.py,
        requirements.txt, Dockerfile); returns it, or None when no file matched."""
        from ..artifacts.code import run_log_code
        kw = {"include_fn": include_fn} if include_fn is not None else {}
        return run_log_code(self, root, name=name, exclude_fn=exclude_fn, **kw)

    def lineage(self) -> dict:
        from ..artifacts import lineage
        return lineage(self.root, run_id=self.id)

    def display(self, height: int | None = None, hidden: bool = False) -> Any:
        """Show this run's live panel in the notebook (`height` in pixels, as W&B's iframe)."""
        if hidden:
            return None
        from ..notebook import show_run
        return show_run(self, height=height)

    def files(self) -> list:
        from ..api import Api
        return Api(self.root).run(self.id).files()
