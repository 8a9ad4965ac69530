"""Jupyter's entry points, as data: where the prebuilt labextension is, and which module
`jpserver_extensions = {"py_tracker": true}` loads (`py_tracker.server`).

A leaf imported by the root package (what Jupyter looks up) and by `server`, so naming the
server never imports it: `import py_tracker` stays light and the root never reaches the
server (the server/notebook independence contract holds through it).
"""
from __future__ import annotations


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """The prebuilt JupyterLab extension, relative to the `py_tracker` package."""
    return [{"src": "labextension", "dest": "py_tracker"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """Jupyter server hook: the module whose `_load_jupyter_server_extension` runs."""
    return [{"module": "py_tracker.server"}]
