"""Where things live inside a store, and the one function that joins user paths safely."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import PathEscapeError

ENV_DIR = "PY_TRACKER_DIR"


def default_root() -> Path:
    """The store root: env `PY_TRACKER_DIR`, else `~/.py_tracker` (shared by kernel and server)."""
    env = os.environ.get(ENV_DIR)
    return Path(env).expanduser() if env else Path.home() / ".py_tracker"


def safe_join(base: str | os.PathLike[str], *parts: str) -> Path:
    """Join `parts` under `base` and refuse anything that would leave it.

    Rejects absolute parts, `..` components and symlinks (anywhere on the path)
    that resolve outside `base`. Raises PathEscapeError with the offending path.
    """
    base_path = Path(base)
    rel = Path(*parts) if parts else Path(".")
    for p in parts:
        if p is None or str(p) == "":
            continue
        if os.path.isabs(p) or Path(p).drive or str(p).startswith(("/", "\\")):
            raise PathEscapeError(f"path {p!r} is absolute; give a path relative to {base_path}")
        if "\x00" in str(p):
            raise PathEscapeError(f"path {p!r} contains a NUL byte")
    if any(part == ".." for part in rel.parts):
        raise PathEscapeError(f"path {str(rel)!r} contains '..'; it must stay inside {base_path}")
    target = base_path / rel
    root_real = os.path.realpath(base_path)
    target_real = os.path.realpath(target)
    if target_real != root_real and not target_real.startswith(root_real.rstrip(os.sep) + os.sep):
        raise PathEscapeError(f"path {str(rel)!r} resolves outside {base_path} (a symlink?)")
    return target


class StoreLayout:
    """File layout of one store root.

    root/catalog.json           catalog snapshot (projects, runs, sweeps, trials, artifacts)
    root/catalog.json.bak       the previous snapshot
    root/catalog.journal.<n>    catalog changes since the snapshot, one line per record (storage.journal)
    root/catalog.lock           cross-process lock for catalog writes
    root/runs/<run_id>/         one folder per run:
        record.json             the run's catalog record (doctor rebuilds the catalog from these)
        history.jsonl           metric history, append-only chunks (see storage.history)
        system.jsonl            system samples, same format
        heartbeat               mtime touched while the writer process lives
        stop                    present when a stop was requested (server, sweep)
        files/                  the run's files (config.yaml, output.log, media/, saved files)
    root/artifacts/             content-addressed artifact blobs
    """

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser()

    @property
    def catalog(self) -> Path:
        return self.root / "catalog.json"

    @property
    def lock(self) -> Path:
        return self.root / "catalog.lock"

    def run_dir(self, run_id: str) -> Path:
        return safe_join(self.root / "runs", run_id)

    def files_dir(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "files"

    def history(self, run_id: str, stream: str = "history") -> Path:
        if stream not in ("history", "system"):
            raise ValueError(f"unknown stream {stream!r}; use 'history' or 'system'")
        return self.run_dir(run_id) / f"{stream}.jsonl"

    def record_file(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "record.json"

    def heartbeat(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "heartbeat"

    def stop_flag(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "stop"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"
