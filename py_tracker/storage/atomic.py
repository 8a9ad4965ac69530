"""Write a file so that readers see the old content or the new, never half of it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Callable


def _replace_with(path: Path, fill: Callable[[IO[bytes]], None], suffix: str = ".tmp",
                  fsync: bool = False, tmp_dir: Path | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if tmp_dir is not None:
        tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=tmp_dir or path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
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
