"""Whether this process can use a store root, checked before anything is read or written, so
the user reads the real reason at once — "the store path is a file", "read-only file system",
"no permission" — instead of a traceback or a lock timeout that blames another process."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from ..errors import StorageError

_HINT = "point init(dir=...), --dir or PY_TRACKER_DIR at a folder you can write"


def _nearest_existing(path: Path) -> Path:
    """`path` or its closest ancestor that exists (a file in the way included)."""
    p = path
    while not os.path.lexists(p) and p.parent != p:
        p = p.parent
    return p


def read_only_reason(path: str | os.PathLike[str]) -> str | None:
    """Why this process cannot create files in the existing folder `path`, or None when it can."""
    if os.access(path, os.W_OK | os.X_OK):
        return None
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    try:
        st = os.stat(path)
    except OSError as exc:
        return f"it cannot be read ({exc.strerror})"
    return (f"this user (uid {os.geteuid()}) has no permission to write it "
            f"(owner uid {st.st_uid}, mode {stat.S_IMODE(st.st_mode):04o})")


def check_root(root: str | os.PathLike[str], write: bool = False) -> Path:
    """`root` as a Path when it can serve as a store (a folder, or nothing yet: it is created
    on the first write); StorageError naming the path and the reason otherwise.

    With `write`, the folder (or the closest existing ancestor it will be created in) must
    also let this process create files.
    """
    path = Path(root).expanduser()
    here = _nearest_existing(path)
    if os.path.lexists(here) and not os.path.isdir(here):
        what = f"the store path {path}" if here == path else f"{here}, on the store path {path},"
        raise StorageError(f"{what} is a file, not a folder; {_HINT}")
    if write and os.path.isdir(here):
        reason = read_only_reason(here)
        if reason is not None:
            where = path if here == path else f"{path} (to be created in {here})"
            raise StorageError(f"cannot write the store {where}: {reason}; read it with Api() or "
                               f"`py-tracker runs`, or {_HINT}")
    return path
