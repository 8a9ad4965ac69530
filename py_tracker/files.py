"""Copying user files into a run's files folder (`save`) and listing what is there.

Naming follows W&B's `wandb.save`: a relative glob keeps its path relative to
the working directory ("these/are/*.txt" -> "these/are/a.txt"); an absolute
glob keeps one directory level ("/data/run123/*.txt" -> "run123/a.txt");
`base_path` sets the folder names are taken relative to. Every destination
goes through `storage.paths.safe_join`, so `..`, absolute names and symlinks
leading out of the run's folder raise PathEscapeError before anything is copied.

Policies: "now" copies at once; "live" copies at once and again whenever the
file's mtime or size changes (checked by `poll()`) until `close()`; "end"
copies at `close()` (the glob is expanded then, so the file may not exist yet).
Copies go to a temporary name and are renamed into place: a reader never sees
half a file, and a symlink already at the destination is replaced, not followed.
"""
from __future__ import annotations

import glob
import logging
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from .errors import PathEscapeError, UsageError
from .storage.paths import safe_join

logger = logging.getLogger("py_tracker")

POLICIES = ("live", "now", "end")
_TMP_SUFFIX = ".pt-tmp"


def _signature(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def default_base(glob_str: str) -> str:
    """W&B's default base folder: cwd for a relative glob, two levels up for an absolute one."""
    if not os.path.isabs(glob_str):
        return os.getcwd()
    return os.path.dirname(os.path.dirname(glob_str)) or os.sep


class FileSaver:
    """Implements `run.save()` for one run's files folder; `poll()` and `close()` are driven by the run."""

    def __init__(self, files_dir: str | os.PathLike[str]):
        self.files_dir = Path(files_dir)
        self._lock = threading.Lock()
        self._live: dict[str, list[Any]] = {}  # name -> [source, last signature copied]
        self._end: list[tuple[str, str]] = []  # (absolute glob, absolute base)
        self._closed = False

    # -- naming -------------------------------------------------------------------------
    def _plan(self, pattern: str, base: str, must_exist: bool) -> list[tuple[str, str]]:
        """(source, name in files_dir) for files matching `pattern`, each name checked by safe_join."""
        if glob.has_magic(pattern):
            sources = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        else:
            sources = [pattern] if (os.path.isfile(pattern) or not must_exist) else []
        plan = []
        for src in sources:
            name = Path(os.path.relpath(src, base)).as_posix()
            try:
                safe_join(self.files_dir, name)
            except PathEscapeError as exc:
                raise PathEscapeError(
                    f"cannot save {src!r}: its name in the run would be {name!r}, which leaves the "
                    f"run's files folder ({exc}). Pass base_path= a folder that contains the file."
                ) from None
            plan.append((src, name))
        return plan

    def _args(self, glob_str: Any, base_path: Any, policy: Any) -> tuple[str, str]:
        if policy not in POLICIES:
            raise UsageError(f"policy must be one of {', '.join(map(repr, POLICIES))}; got {policy!r}")
        if isinstance(glob_str, bytes):
            glob_str = os.fsdecode(glob_str)
        if not isinstance(glob_str, (str, os.PathLike)) or not os.fspath(glob_str):
            raise UsageError(f"save() needs a file name or glob pattern (str or Path); got {glob_str!r}")
        pattern = os.path.expanduser(os.fspath(glob_str))
        base = os.fspath(base_path) if base_path is not None else default_base(pattern)
        pattern = os.path.abspath(pattern)
        base = os.path.abspath(os.path.expanduser(base))
        if os.path.commonpath([pattern, base]) != base:
            raise PathEscapeError(
                f"save({os.fspath(glob_str)!r}): the glob walks above its base folder {base!r}, so its "
                f"files would land outside the run's folder; pass base_path= a folder that contains it")
        return pattern, base

    # -- API ----------------------------------------------------------------------------
    def save(self, glob_str: str | os.PathLike[str], base_path: str | os.PathLike[str] | None = None,
             policy: str = "live") -> list[str]:
        """Copy files matching `glob_str` into the run (see module doc); return their paths there."""
        pattern, base = self._args(glob_str, base_path, policy)
        with self._lock:
            if self._closed:
                raise UsageError("this run has finished; its files can no longer be changed")
            if policy == "end":
                plan = self._plan(pattern, base, must_exist=False)
                self._end.append((pattern, base))
                return [str(self.files_dir / name) for _, name in plan]
            plan = self._plan(pattern, base, must_exist=(policy == "now"))
            if not plan:
                logger.warning("py_tracker: save(%r) matched no file", os.fspath(glob_str))
            for src, name in plan:
                sig = self._copy(src, name) if os.path.isfile(src) else None
                if policy == "live":
                    self._live[name] = [src, sig]
            return [str(self.files_dir / name) for _, name in plan]

    def poll(self) -> list[str]:
        """Re-copy "live" files whose mtime or size changed; return the names copied."""
        copied = []
        with self._lock:
            for name, entry in self._live.items():
                sig = _signature(entry[0])
                if sig is not None and sig != entry[1]:
                    new = self._copy(entry[0], name)
                    if new is not None:
                        entry[1] = new
                        copied.append(name)
        return copied

    def close(self) -> list[str]:
        """Final copy of changed "live" files and every "end" file; later saves are refused."""
        copied = self.poll()
        with self._lock:
            if self._closed:
                return copied
            self._closed = True
            for pattern, base in self._end:
                try:
                    plan = self._plan(pattern, base, must_exist=True)
                except PathEscapeError as exc:
                    logger.warning("py_tracker: %s", exc)
                    continue
                if not plan:
                    logger.warning("py_tracker: save(%r, policy='end'): no file to copy at finish", pattern)
                for src, name in plan:
                    if self._copy(src, name) is not None:
                        copied.append(name)
            self._live.clear()
            self._end.clear()
        return copied

    @property
    def watched(self) -> list[str]:
        """Names of the files kept up to date by the "live" policy."""
        with self._lock:
            return sorted(self._live)

    def _copy(self, src: str, name: str) -> tuple[int, int] | None:
        """Copy `src` to files_dir/name atomically; its signature, or None if it could not be read."""
        dest = safe_join(self.files_dir, name)
        sig = _signature(src)
        if sig is None:
            return None
        try:
            if dest.exists() and os.path.samefile(src, dest):
                return sig  # already in the run's folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            safe_join(self.files_dir, name)  # the folders just made must still be inside
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}{_TMP_SUFFIX}")
            shutil.copy2(src, tmp)
            os.replace(tmp, dest)
        except OSError as exc:
            logger.warning("py_tracker: could not copy %r into the run: %s", src, exc)
            return None
        return sig


def list_files(files_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Regular files under `files_dir`: [{"name" (posix, relative), "size", "mtime"}], by name."""
    root = Path(files_dir)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for fname in filenames:
            if fname.endswith(_TMP_SUFFIX):
                continue
            path = Path(dirpath) / fname
            try:
                st = path.lstat()
            except OSError:
                continue
            if not path.is_file() or path.is_symlink():
                continue
            out.append({"name": path.relative_to(root).as_posix(), "size": st.st_size,
                        "mtime": st.st_mtime})
    return sorted(out, key=lambda f: f["name"])
