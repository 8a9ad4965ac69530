"""`init(mode="disabled")`: a run whose every call is a cheap no-op (W&B's disabled mode).

Contract (tests/contracts/test_run_surface.py): every public name of `Run` exists here
(`core.run.Run` here, the public `facade.run.Run` on `facade.run.DisabledRun`)
with a signature that accepts the same arguments, so code that works tracked also runs
with `mode="disabled"`; nothing here writes to disk.
"""
from __future__ import annotations

import tempfile
import time
from typing import Any, Callable

from ..settings import Settings
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
    stop_requested = False
    resumed = False
    root = None  # no store: a disabled run has none
    # W&B's disabled run has a real directory too: code that writes `os.path.join(run.dir, ...)`
    # keeps working. The system temp dir exists already, so nothing is created.
    dir = tempfile.gettempdir()

    def __init__(self, config: dict | None = None, project: str = "uncategorized", name: str | None = None,
                 settings: Settings | None = None):
        self.settings = settings or Settings()
        self.config = Config(config or {})
        self.summary = Summary()
        self.project = project
        self._end_listeners: list[Callable[[Any], None]] = []
        self.name = name or "disabled"
        self.path = f"{project}/disabled"
        self.start_time = time.time()
        self._mono_start = time.monotonic()

    @property
    def runtime(self) -> float:
        return time.monotonic() - self._mono_start

    @property
    def display_name(self) -> str:
        return self.name

    def flush(self) -> None:
        return None

    def unwatch(self, models: Any = None) -> None:
        return None

    def files(self) -> list:
        return []

    def add_row_listener(self, fn: Callable[[str, list[dict]], None]) -> None:
        return None

    def remove_row_listener(self, fn: Callable[[str, list[dict]], None]) -> None:
        return None

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

    def use_model(self, name: str) -> None:
        return None

    def get_url(self) -> str:
        return self.url

    def get_project_url(self) -> str:
        return ""

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

    def lineage(self) -> dict:
        return {"nodes": [], "edges": []}

    def request_stop(self) -> None:
        return None

    def add_end_listener(self, fn: Callable[[Any], None]) -> None:
        self._end_listeners.append(fn)

    def finish(self, exit_code: Any = None, quiet: Any = None, **k: Any) -> None:
        self.finished = True
        for fn in self._end_listeners:
            fn(self)

    def __enter__(self) -> "DisabledRun":
        return self

    def __exit__(self, *exc: Any) -> bool:
        self.finish()
        return False
