"""Write a file so that readers see the old content or the new, never half of it.

File modes, one policy for the whole store: a file py_tracker creates gets the mode a plain
`open()` would give it, 0666 minus the process umask (0644 under the usual 022, 0600 under 077
for a private store); folders 0777 minus the umask (what `mkdir` does). Temp files from
`tempfile.mkstemp` start at 0600 whatever the umask, so `atomic_write` sets the mode before
the rename. Artifact blobs are the one exception: read-only, 0444 minus the umask.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import IO, Callable

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (/proc on Linux)."""
    try:
        with open("/proc/self/status", "rb") as f:
            for line in f:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere: set and restore it (a file made in between by another thread
        mask = os.umask(0o022)  # could get 022 instead; rare, and never more open than 0644)
        os.umask(mask)
    return mask


def file_mode(base: int = 0o666) -> int:
    """`base` minus the umask: the mode of a file py_tracker creates in the store."""
    return base & ~current_umask()


def _replace_with(path: Path, fill: Callable[[IO[bytes]], None], suffix: str = ".tmp",
                  fsync: bool = False, tmp_dir: Path | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=tmp_dir or path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), file_mode())  # mkstemp's 0600 ignores the umask (module docstring)
            fill(f)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, fsync: bool = False,
                 tmp_dir: str | os.PathLike[str] | None = None) -> Path:
    """Write `data` to a temp file (beside `path`, or in `tmp_dir` on the same filesystem),
    optionally fsync it, then rename it over `path`."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return _replace_with(Path(path), lambda f: f.write(raw), fsync=fsync,
                         tmp_dir=Path(tmp_dir) if tmp_dir is not None else None)


def atomic_copy(src: str | os.PathLike[str], dest: str | os.PathLike[str], chunk: int = 1 << 20) -> Path:
    """Stream `src` into a temp file beside `dest` (bounded memory), then rename it over `dest`:
    an interrupted copy never leaves a partial `dest`."""
    def fill(f: IO[bytes]) -> None:
        with open(src, "rb") as fin:
            shutil.copyfileobj(fin, f, chunk)
    return _replace_with(Path(dest), fill, suffix=".part")


def fsync_dir(path: Path) -> None:
    """Make the entries of folder `path` durable (a rename or a new file in it) where the OS
    allows it; a folder that cannot be opened or synced is left as it is (best effort)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
