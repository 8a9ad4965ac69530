"""The W&B convenience on `core.Run` that needs only the layers below `core`: `save`.

The others (watch, artifacts, lineage, display, files) need packages above `core`; they
are on the public `Run` composed in `py_tracker.facade.run`. Methods use only the Run's
public surface (`dir`, hooks).
"""
from __future__ import annotations

from typing import Any


class RunConveniences:
    """Mixin for `core.Run`: `save()` (files copied into the run, live or at the end)."""

    dir: Any

    def save(self, glob_str: str, base_path: str | None = None, policy: str = "live") -> list[str]:
        from .. import files
        saver = getattr(self, "_saver", None)
        if saver is None:
            saver = self._saver = files.FileSaver(self.dir)
            self.add_poll_hook(saver.poll)
            self.add_finish_hook(saver.close)
        return saver.save(glob_str, base_path=base_path, policy=policy)
