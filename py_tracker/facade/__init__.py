"""The public classes, composed at the top of the layers: `Run`, `DisabledRun`, `Api`, `ApiRun`.

`core.Run` records; `api.Api` reads. W&B puts conveniences on them that belong to packages
above `core` and `api` (artifacts, model watching, notebook display, sweeps). Those are added
here, by subclassing, so every package below imports nothing above it: the session is handed
`Run`/`DisabledRun` as its run classes by the root package (`core.session.compose`), and
`Api` sets `ApiRun` as the class of the runs it returns.

Nothing below this package imports it; `py_tracker/__init__.py` and the front ends that hand
objects to users (cli) do.
"""
from __future__ import annotations

from .run import DisabledRun, Run

__all__ = ["Run", "DisabledRun"]
