"""BokehJS served by the server extension: `<base_url>/py-tracker/bokeh/<version>/static/...`.

A notebook that loads BokehJS inline carries ~8 MB of JavaScript in its outputs (the
loader is published twice, for the classic notebook and for JupyterLab). The kernel
(`notebook.display.ensure_bokeh`) publishes a 6 KB loader instead that fetches the files
from here: offline still (they come from the installed `bokeh` package), behind Jupyter's
auth like every other end point, and confined to bokeh's own static directory (a path
that leaves it, through `..` or a symlink, answers 403). `<version>` is the kernel's
bokeh version: a server with another bokeh answers 404 with the fix, rather than serve
a BokehJS that does not match the kernel's documents. The server finds bokeh's files
without importing bokeh (it never imports the notebook stack).
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path
from typing import Any

import tornado.web
from jupyter_server.base.handlers import AuthenticatedFileHandler

BOKEH_PREFIX = "py-tracker/bokeh"


def bokeh_static_dir() -> tuple[Path, str] | None:
    """(bokeh's `server/static` directory, bokeh's version), or None when bokeh is missing."""
    spec = importlib.util.find_spec("bokeh")
    if spec is None or not spec.submodule_search_locations:
        return None
    static = Path(list(spec.submodule_search_locations)[0]) / "server" / "static"
    if not static.is_dir():
        return None
    return static, importlib.metadata.version("bokeh")


class BokehStaticHandler(AuthenticatedFileHandler):
    """GET `<version>/static/<path>`: a file of the installed BokehJS (auth required)."""

    def initialize(self, path: str, version: str, default_filename: str | None = None) -> None:  # type: ignore[override]
        super().initialize(path=path, default_filename=default_filename)
        self.version = version

    @tornado.web.authenticated
    def get(self, version: str, path: str, include_body: bool = True) -> Any:  # type: ignore[override]
        if version != self.version:  # the reason as plain text (the script's error shows the URL)
            self.set_status(404)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            return self.finish(f"this Jupyter server has bokeh {self.version}, the kernel asked for BokehJS "
                               f"{version}: install the same bokeh in both environments, or set "
                               f"PY_TRACKER_BOKEH=inline in the kernel")
        return super().get(path, include_body=include_body)

    @tornado.web.authenticated
    def head(self, version: str, path: str) -> Any:  # type: ignore[override]
        return self.get(version, path, include_body=False)

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        real_root = os.path.realpath(root)
        real = os.path.realpath(absolute_path)
        if real != real_root and not real.startswith(real_root + os.sep):
            raise tornado.web.HTTPError(403, "outside bokeh's static directory")
        return super().validate_absolute_path(root, absolute_path)
