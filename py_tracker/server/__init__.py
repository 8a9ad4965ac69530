"""Jupyter server extension: the store as a read-only REST API (plus stop/rename/delete).

Routes live under `<base_url>/py-tracker/api/v1/` (see `handlers.py`). The
server process never imports IPython, ipywidgets or Bokeh: this package only
imports `py_tracker.api` / `py_tracker.storage` and, when loaded by a server,
jupyter_server and tornado.

The three `_jupyter_*` hooks are what Jupyter looks for. The two that are data live in
`py_tracker.entry_points`, which the root package re-exports too, so
`jpserver_extensions = {"py_tracker": true}` works without the root importing the server.
"""
from __future__ import annotations

from typing import Any

from ..entry_points import _jupyter_labextension_paths, _jupyter_server_extension_points

__all__ = ["API_PREFIX", "_jupyter_labextension_paths", "_jupyter_server_extension_points",
           "_load_jupyter_server_extension"]

API_PREFIX = "py-tracker/api/v1"


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Register the REST handlers on the server's tornado app and keep kernel subshell requests
    out of the kernel's displayed state (`kernelstatus`); called once at start."""
    from .config import PyTracker
    from .handlers import setup_handlers
    from .kernelstatus import untrack_subshell_requests
    from .store import StoreReader

    cfg = PyTracker(parent=server_app)
    reader = StoreReader(cfg.resolved_root())
    setup_handlers(server_app.web_app, reader)
    untrack_subshell_requests(server_app)  # the kernel indicator reads busy while a cell runs
    server_app.log.info("py_tracker: serving store %s at %s", reader.root,
                        server_app.web_app.settings.get("base_url", "/") + API_PREFIX)


# the older name some Jupyter versions still look up
load_jupyter_server_extension = _load_jupyter_server_extension
