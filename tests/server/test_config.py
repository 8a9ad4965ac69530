"""The server extension's hooks, its root_dir trait, and what it must never import."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import py_tracker
from py_tracker.server import _jupyter_labextension_paths, _jupyter_server_extension_points
from py_tracker.server.config import PyTracker

REPO = Path(__file__).resolve().parents[2]


def test_root_dir_trait_defaults_to_the_kernels_store(monkeypatch, tmp_path):
    monkeypatch.setenv("PY_TRACKER_DIR", str(tmp_path / "env-store"))
    assert PyTracker().resolved_root() == tmp_path / "env-store"
    monkeypatch.delenv("PY_TRACKER_DIR")
    assert PyTracker().resolved_root() == Path.home() / ".py_tracker"
    assert PyTracker(root_dir="~/elsewhere").resolved_root() == Path.home() / "elsewhere"


def test_jupyter_hooks():
    assert _jupyter_server_extension_points() == [{"module": "py_tracker.server"}]
    assert py_tracker._jupyter_server_extension_points() == [{"module": "py_tracker.server"}]
    assert _jupyter_labextension_paths() == [{"src": "labextension", "dest": "py_tracker"}]
    cfg = json.loads((REPO / "jupyter-config" / "server-config" / "py_tracker.json").read_text())
    assert cfg == {"ServerApp": {"jpserver_extensions": {"py_tracker": True}}}
    pkg = json.loads((REPO / "package.json").read_text())
    assert pkg["name"] == "py_tracker" and pkg["jupyterlab"]["outputDir"] == "py_tracker/labextension"
    assert pkg["version"] == py_tracker.__version__


def test_server_never_imports_ui_libraries():
    code = ("import sys, py_tracker.server, py_tracker.server.handlers, py_tracker.server.store;"
            "print([m for m in sys.modules if m.split('.')[0] in ('IPython', 'ipywidgets', 'bokeh', 'ipykernel')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
