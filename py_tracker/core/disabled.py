"""`init(mode="disabled")`: a run whose every call is a cheap no-op (W&B's disabled mode)."""
from __future__ import annotations

from typing import Any

from .config import Config
from .summary import Summary


class DisabledRun:
    """Same surface as `Run`; records nothing and touches no disk."""

    id = "disabled"
    state = "disabled"
    finished = False
    sweep_id = None
    group = job_type = notes = None
    tags: tuple = ()
    step = 0
    dir = None

    def __init__(self, config: dict | None = None, project: str = "uncategorized", name: str | None = None):
        self.config = Config(config or {})
        self.summary = Summary()
        self.project = project
        self.name = name or "disabled"
        self.path = f"{project}/disabled"

    entity = "local"
    url = ""
    alerts: list = []

    def log(self, data: Any = None, step: Any = None, commit: Any = None) -> None:
        return None

    def _label(self, *a: Any, **k: Any) -> None:
        return None

    def alert(self, *a: Any, **k: Any) -> None:
        return None

    def log_code(self, *a: Any, **k: Any) -> None:
        return None

    def log_model(self, *a: Any, **k: Any) -> None:
        return None

    def link_model(self, *a: Any, **k: Any) -> None:
        return None

    def link_artifact(self, *a: Any, **k: Any) -> None:
        return None

    def logged_artifacts(self) -> list:
        return []

    def used_artifacts(self) -> list:
        return []

    def display(self, *a: Any, **k: Any) -> None:
        return None

    def _log_system(self, row: dict) -> None:
        return None

    def define_metric(self, *a: Any, **k: Any) -> None:
        return None

    def save(self, *a: Any, **k: Any) -> list:
        return []

    def watch(self, *a: Any, **k: Any) -> None:
        return None

    def add_finish_hook(self, fn: Any) -> None:
        return None

    def add_poll_hook(self, fn: Any) -> None:
        return None

    def log_artifact(self, artifact_or_path: Any, name: Any = None, type: Any = None, aliases: Any = None) -> Any:
        from ..artifacts import run_log_artifact
        return run_log_artifact(self, artifact_or_path, name=name, type=type, aliases=aliases)

    def use_artifact(self, artifact_or_name: Any, type: Any = None, aliases: Any = None) -> Any:
        from ..artifacts import run_use_artifact
        return run_use_artifact(self, artifact_or_name, type=type, aliases=aliases)

    def lineage(self) -> dict:
        return {"nodes": [], "edges": []}

    def request_stop(self) -> None:
        return None

    def finish(self, exit_code: Any = None, quiet: Any = None, **k: Any) -> None:
        from . import session
        self.finished = True
        session._on_finish(self)

    def __enter__(self) -> "DisabledRun":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.finish()
        return False
