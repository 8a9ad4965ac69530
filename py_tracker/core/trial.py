"""The trial context: which sweep trial an `init()` joins, handed over explicitly.

A sweep runner makes one `TrialContext` per trial and runs the trial's code inside
`joining(ctx)`; `init()` called in that code (same thread, same call stack) finds it with
`current_trial()`, joins the trial (its run id, project, store, the sweep's config) and
`attach`es the run it made. The context lives in a ContextVar owned by this module, so it
is seen only by the code the runner calls: the user's own cells on other threads start
ordinary runs, and nothing has to be saved and restored around a trial. A trial in a
subprocess gets the same context as JSON in the environment (`to_env`), read back through
`settings.sweep_context_env()`.

The stop flag travels with the context: `request_stop(reason)` before the trial's `init()`
is kept and applied by `attach`, after it goes to the run at once.
"""
from __future__ import annotations

import contextvars
import dataclasses
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ..errors import UsageError
from ..settings import SWEEP_CONTEXT_ENV, sweep_context_env
from ..storage.paths import ENV_DIR

_current: "contextvars.ContextVar[TrialContext | None]" = contextvars.ContextVar("py_tracker_trial", default=None)


@dataclass
class TrialContext:
    """One sweep trial as its runner hands it to `init()`.

    sweep_id, project, run_id: the run the trial's `init()` creates (or resumes); without a
    run_id (or project) init picks one as usual.
    config: the sweep's values for this trial; they win over init(config=...).
    root: the store the run is written to (None: the default store).
    The run (`run`) and a pending stop (`stop_reason`) are this process's only: they are
    not part of `to_dict()`/`to_env()` and not pickled (Dask ships the context to workers).
    """

    sweep_id: str
    project: str = ""
    run_id: str | None = None
    config: dict = field(default_factory=dict)
    root: str | None = None
    stop_reason: str | None = field(default=None, compare=False)
    run: Any = field(default=None, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    # --- the hand-over ---------------------------------------------------------------------
    def attach(self, run: Any) -> None:
        """`init()` made this trial's run: remember it, and apply a stop asked for before."""
        with self._lock:
            self.run = run
            reason = self.stop_reason
        if reason is not None:
            run.request_stop()

    def request_stop(self, reason: str) -> None:
        """Ask the trial to stop (repeatable): its run's next `log()` raises RunStopped; a
        trial whose `init()` has not happened yet is stopped as soon as it does."""
        with self._lock:
            self.stop_reason = self.stop_reason or reason
            run = self.run
        if run is not None and not getattr(run, "finished", False):
            run.request_stop()

    def with_root(self, root: str | Path) -> "TrialContext":
        """The same trial written to another store (a Dask worker's scratch store)."""
        return dataclasses.replace(self, root=str(root), stop_reason=None, run=None, _lock=threading.Lock())

    # --- transport -----------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"sweep_id": self.sweep_id, "project": self.project, "run_id": self.run_id,
                "config": dict(self.config), "root": self.root}

    @classmethod
    def from_dict(cls, data: dict) -> "TrialContext":
        """From `to_dict()`'s shape; a UsageError names a missing or wrong field."""
        if not isinstance(data, dict):
            raise UsageError(f"a trial context is a JSON object, got {data!r}")
        if not data.get("sweep_id"):
            raise UsageError(f"the trial context {data!r} lacks its sweep_id")
        config = data.get("config") or {}
        if not isinstance(config, dict):
            raise UsageError(f"the trial context's config must be an object, got {config!r}")
        return cls(sweep_id=str(data["sweep_id"]), project=str(data.get("project") or ""),
                   run_id=str(data["run_id"]) if data.get("run_id") else None, config=dict(config),
                   root=str(data["root"]) if data.get("root") else None)

    def to_env(self) -> dict[str, str]:
        """The environment entries that make a child process's `init()` join this trial."""
        env = {SWEEP_CONTEXT_ENV: json.dumps(self.to_dict())}
        if self.root:
            env[ENV_DIR] = str(self.root)
        return env

    def __getstate__(self) -> dict:
        return self.to_dict()

    def __setstate__(self, state: dict) -> None:
        self.__init__(**state)  # type: ignore[misc]


@contextmanager
def joining(ctx: TrialContext) -> Iterator[TrialContext]:
    """Run the enclosed code as trial `ctx`: its `init()` calls join the trial."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def current_trial() -> TrialContext | None:
    """The trial the next `init()` here joins: the one the calling code runs inside
    (`joining`), else the one this process was started for (environment), else None."""
    ctx = _current.get()
    if ctx is not None:
        return ctx
    raw = sweep_context_env()
    if raw is None:
        return None
    try:
        data = json.loads(raw) if raw.lstrip().startswith("{") else json.loads(Path(raw).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"environment variable {SWEEP_CONTEXT_ENV} is not valid JSON or a JSON file: {exc}") from None
    return TrialContext.from_dict(data)
