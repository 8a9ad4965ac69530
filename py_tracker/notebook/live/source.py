"""Where a panel gets its data: one interface over a live `Run` and a stored `ApiRun`.

Charts never receive rows one by one: a `StreamTail` reads the run's append-only
history file from a byte offset, chunk by chunk, as columns (typed numpy arrays
decoded in C). The live run's row listener only says "something new was
written". This keeps the panel off the `log()` path entirely (a panel never
slows `log()`), and the same code shows a finished run, a run in another
process, or a live one.
"""
from __future__ import annotations

import math
import os
import threading
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ...core.summary import step_metric_defs
from ...storage.history import assemble_chunks, decode_line
from ...storage.records import RunState


class StreamTail:
    """Reads complete new chunk lines of one history file (`history.jsonl`/`system.jsonl`)."""

    def __init__(self, path: str | os.PathLike[str], skip: frozenset[str] = frozenset()):
        self.path = Path(path)
        self.offset = 0
        self.rows = 0
        self.skip = skip  # columns not decoded (e.g. _timestamp, derivable from _runtime)

    def read(self, max_bytes: int = 256 << 20) -> tuple[int, dict[str, Any]]:
        """(new row count, {key: numpy array (float or object)}) since the last call."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read(max_bytes)
        except FileNotFoundError:
            return 0, {}
        end = data.rfind(b"\n")
        if end < 0:
            return 0, {}
        self.offset += end + 1
        chunks = []
        for line in data[:end].split(b"\n"):
            if line:
                doc = decode_line(line)
                if doc is not None:
                    chunks.append(doc)
        total, cols = assemble_chunks(chunks, skip=self.skip)
        self.rows += total
        return total, {k: _bools_as_numbers(a) for k, a in cols.items()}


def _bools_as_numbers(arr: np.ndarray) -> np.ndarray:
    """A column of only booleans (and gaps) as 0/1 floats, so that charts plot it."""
    if arr.dtype.kind != "O" or not len(arr):
        return arr
    if all(v is None or v.__class__ is bool for v in arr.tolist()) and any(v is not None for v in arr.tolist()):
        return np.array([math.nan if v is None else float(v) for v in arr.tolist()], dtype=float)
    return arr


class RunSource:
    """A run for display: header fields, config/summary, files, history tails, liveness.

    Wraps a live `py_tracker.core.run.Run` (same process: `live` is True, Stop
    works directly) or an `ApiRun` (a stored run; live while its state is
    "running", e.g. written by another process).
    """

    def __init__(self, run: Any):
        from ...api import Api
        self.live_run = run if hasattr(run, "add_row_listener") else None
        if self.live_run is not None:
            self.api = Api(run.root)
            self.api_run = self.api.run(run.id)
        else:
            self.api = run._api
            self.api_run = run
        self.id: str = run.id
        self._wake: threading.Event | None = None
        self._listener: Callable | None = None

    # --- fields -----------------------------------------------------------------
    def _get(self, name: str) -> Any:
        src = self.live_run if self.live_run is not None else self.api_run
        return getattr(src, name)

    @property
    def name(self) -> str:
        return str(self._get("name"))

    @property
    def project(self) -> str:
        return str(self._get("project"))

    @property
    def group(self) -> str | None:
        return self._get("group")

    @property
    def job_type(self) -> str | None:
        return self._get("job_type")

    @property
    def tags(self) -> list[str]:
        return list(self._get("tags") or ())

    @property
    def alerts(self) -> list[dict]:
        """The run's `wandb.alert()` notices (re-read from the catalog for a finished run)."""
        return list(self._get("alerts") or [])

    @property
    def imported(self) -> dict | None:
        """Where the run came from when `py-tracker import` made it (None for a run recorded here)."""
        if self.live_run is not None:
            return None
        return self.api_run.to_dict().get("imported")

    @property
    def state(self) -> str:
        if self.live_run is not None:
            return self.live_run.state
        return self.api_run.load().state

    @property
    def running(self) -> bool:
        return self.state == RunState.RUNNING

    @property
    def step(self) -> int:
        if self.live_run is not None:
            return self.live_run.step
        return int(self.api_run.last_step) + 1

    @property
    def runtime(self) -> float:
        if self.live_run is not None:
            r = self.live_run
            if not r.finished:
                return float(r.runtime)
            return float(r._record.get("runtime") or 0.0)
        return float(self.api_run.runtime)

    @property
    def config(self) -> dict:
        if self.live_run is not None:
            return self.live_run.config.as_dict()
        return self.api_run.config

    @property
    def summary(self) -> dict:
        if self.live_run is not None:
            return self.live_run.summary.as_dict()
        return self.api_run.summary

    @property
    def metrics(self) -> list[dict]:
        if self.live_run is not None:
            return list(self.live_run._record.get("metrics") or [])
        return self.api_run.metrics

    @property
    def files_dir(self) -> Path:
        return self.api_run.dir

    def history_path(self, stream: str) -> Path:
        return self.api.layout.history(self.id, stream)

    def step_metrics(self) -> dict[str, str]:
        """{metric (or glob): step metric} from define_metric(step_metric=...)."""
        return step_metric_defs(self.metrics)

    # --- control ----------------------------------------------------------------
    def request_stop(self) -> None:
        if self.live_run is not None:
            self.live_run.request_stop()
        else:
            self.api_run.request_stop()

    def listen(self, wake: threading.Event) -> None:
        """Set `wake` whenever the live run writes a batch (a no-op cost for the flusher)."""
        if self.live_run is None:
            return
        self._wake = wake

        def listener(stream: str, rows: list) -> None:
            wake.set()
        self._listener = listener
        self.live_run.add_row_listener(listener)

    def unlisten(self) -> None:
        if self.live_run is not None and self._listener is not None:
            self.live_run.remove_row_listener(self._listener)
            self._listener = None
