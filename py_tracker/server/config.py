"""Server-side settings of py_tracker, as a traitlets Configurable.

    c.PyTracker.root_dir = "/data/tracking"     # in jupyter_server_config.py
    jupyter lab --PyTracker.root_dir=/data/tracking

Empty `root_dir` means the kernel's default: `PY_TRACKER_DIR` or `~/.py_tracker`,
so the sidebar shows what notebooks record without any setting.
"""
from __future__ import annotations

from pathlib import Path

from traitlets import Unicode
from traitlets.config import Configurable

from ..storage.paths import default_root


class PyTracker(Configurable):
    """Where the server extension reads the store from."""

    root_dir = Unicode(
        "",
        config=True,
        help="Store root the sidebar reads (default: $PY_TRACKER_DIR or ~/.py_tracker).",
    )

    def resolved_root(self) -> Path:
        """`root_dir` expanded, or the default root when it is empty."""
        return Path(self.root_dir).expanduser() if self.root_dir else default_root()
