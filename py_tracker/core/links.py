"""Where a run lives, in W&B's words: its entity, its `path`, and a `url` that opens it.

Shared by the recording `Run` and the read-side `ApiRun`, so both answer alike.
There is no account offline: the entity is what `init(entity=...)` or WANDB_ENTITY
gave, else "local". The URL opens the run's folder in a running Jupyter server on
this machine: the run's view in JupyterLab (`<server>/lab?py-tracker-run=<id>`, which the
labextension opens on start) when that server's py_tracker extension serves the run's store,
else the run's folder in the file browser when the server's root holds it, else the path.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote, urlencode

from ..storage.records import pid_alive

DEFAULT_ENTITY = "local"


def entity_of(record: dict) -> str:
    """The entity of a run record ("local" when none was given)."""
    return str(record.get("entity") or DEFAULT_ENTITY)


def run_path(record: dict) -> str:
    """W&B's `run.path`: "entity/project/id"."""
    return f"{entity_of(record)}/{record['project']}/{record['id']}"


def _servers() -> Iterator[dict[str, Any]]:
    """Jupyter servers of this user that are alive (their jpserver-*.json runtime files)."""
    try:
        from jupyter_core.paths import jupyter_runtime_dir
        runtime = Path(jupyter_runtime_dir())
        files = sorted(runtime.glob("jpserver-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    except (ImportError, OSError):
        return
    for f in files:
        try:
            info = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and info.get("url") and pid_alive(int(info.get("pid") or 0), None):
            yield info


def folder_url(folder: Path) -> str:
    """A URL opening `folder` in JupyterLab's file browser when a live server's root holds
    it (with the server's token, as `jupyter server list` prints it), else the folder's path."""
    folder = Path(folder).resolve()
    for info in _servers():
        root = Path(info.get("root_dir") or info.get("notebook_dir") or "/").expanduser().resolve()
        try:
            rel = folder.relative_to(root)
        except ValueError:
            continue
        url = str(info["url"]).rstrip("/") + "/lab/tree/" + quote(rel.as_posix())
        token = info.get("token")
        return f"{url}?token={token}" if token else url
    return str(folder)


RUN_PARAM = "py-tracker-run"  # the query parameter the labextension reads (labextension/src/index.ts)
PROBE_TIMEOUT = 2.0  # seconds to ask a local server whether it serves the run


def _serves(info: dict[str, Any], run_id: str) -> bool:
    """Whether the live server `info` answers GET py-tracker/api/v1/runs/<run_id> (so its
    py_tracker extension reads the store holding this run), asked with its token."""
    import urllib.error
    import urllib.request
    base = str(info["url"]).rstrip("/") + "/"
    headers = {"Authorization": f"token {info['token']}"} if info.get("token") else {}
    req = urllib.request.Request(f"{base}py-tracker/api/v1/runs/{quote(run_id, safe='')}", headers=headers)
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # a local server: no proxy
        with opener.open(req, timeout=PROBE_TIMEOUT) as resp:
            return resp.status == 200 and json.loads(resp.read()).get("run", {}).get("id") == run_id
    except (urllib.error.URLError, OSError, ValueError, AttributeError):
        return False


def run_url(run_dir: Path, run_id: str) -> str:
    """W&B's `run.url` offline: the run's view in the JupyterLab of a live local server whose
    py_tracker extension serves this run (`<server>/lab?py-tracker-run=<id>&token=...`), else
    `folder_url(run_dir)` (the folder in a server's file browser, or the folder's path)."""
    for info in _servers():
        if _serves(info, run_id):
            query = {RUN_PARAM: run_id, **({"token": info["token"]} if info.get("token") else {})}
            return str(info["url"]).rstrip("/") + "/lab?" + urlencode(query)
    return folder_url(run_dir)


class StrPath(str):
    """A folder path that is a `str` (W&B's `run.dir`), and still a Path for code written against
    py_tracker's earlier `run.dir`: `/`, `.exists()`, `.mkdir()`, `.rglob()`... (what str lacks)."""

    def __truediv__(self, other: Any) -> Path:
        return Path(self) / other

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        return getattr(Path(self), attr)
