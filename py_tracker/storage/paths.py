"""Where things live inside a store, and the one function that joins user paths safely."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

from ..errors import PathEscapeError
from ..settings import STORE_DIR_ENV, store_dir_env

ENV_DIR = STORE_DIR_ENV


def default_root() -> Path:
    """The store root: env `PY_TRACKER_DIR`, else `~/.py_tracker` (shared by kernel and server)."""
    env = store_dir_env()
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


def inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether `path`, with every symlink resolved, is `root` or lies under it (also resolved)."""
    root_real = os.path.realpath(root)
    real = os.path.realpath(path)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


class Confinement:
    """The one check a process that serves a store to others (the Jupyter server) puts every
    file it opens, stats or writes through: the path, symlinks resolved, must stay inside the
    store root (also resolved). A symlink that leads out — a file, a run folder moved to
    another disk, a stop flag — raises PathEscapeError; nothing outside is read or written.

    `open_read` also checks the file it actually opened (via /proc/self/fd where there is one,
    else by comparing device and inode), so a path swapped for a symlink between the check
    and the open is refused too. `write_atomic` replaces a symlink at the destination with a
    regular file instead of writing through it.
    """

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root).expanduser()

    def check(self, path: str | os.PathLike[str]) -> Path:
        """`path` itself when it resolves inside the store; PathEscapeError otherwise."""
        if not inside(self.root, path):
            raise PathEscapeError(f"{path} resolves outside the store {self.root} (a symlink?); "
                                  f"the server reads and writes only files inside the store")
        return Path(path)

    def stat(self, path: str | os.PathLike[str]) -> os.stat_result:
        """os.stat of a confined path (FileNotFoundError when it is missing)."""
        return os.stat(self.check(path))

    def open_read(self, path: str | os.PathLike[str]) -> BinaryIO:
        """The confined file opened for binary reading."""
        real = os.path.realpath(self.check(path))
        fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        try:
            proc = f"/proc/self/fd/{fd}"
            if os.path.islink(proc):
                opened = os.readlink(proc)
                ok = inside(self.root, opened)
            else:  # no /proc: the opened file must be the one the check resolved
                st, now = os.fstat(fd), os.stat(real)
                ok = (st.st_dev, st.st_ino) == (now.st_dev, now.st_ino)
            if not ok:
                raise PathEscapeError(f"{path} changed to lead outside the store {self.root} while it was opened")
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def write_atomic(self, path: str | os.PathLike[str], data: bytes | str) -> Path:
        """Write `path` (its folder confined) by rename: a symlink there is replaced, not followed."""
        from .atomic import atomic_write
        target = Path(path)
        self.check(target.parent)
        return atomic_write(target, data)


_RUN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


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
    root/cache/                 what any process may rebuild (e.g. the package list of a Python
                                environment, keyed by its sys.path); safe to delete
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
        """runs/<run_id>. The id must be one plain name (no separator, not '.' or '..'); the
        folder itself may be a symlink (a run moved to another disk is still that run).
        Whoever serves files to others confines them with `Confinement`."""
        if not isinstance(run_id, str) or not _RUN_ID.match(run_id) or run_id in (".", ".."):
            raise PathEscapeError(f"run id {run_id!r} is not a plain name (letters, digits, '_', '-', '.')")
        return self.root / "runs" / run_id

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

    @property
    def cache(self) -> Path:
        return self.root / "cache"
