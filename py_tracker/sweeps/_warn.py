"""Point warnings at the user's line, not at py_tracker's internals."""
from __future__ import annotations

import os
import sys

_PKG_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def user_stacklevel() -> int:
    """The `stacklevel` for warnings.warn (called from our code) that names the first
    frame outside the py_tracker package, so Jupyter shows the warning (it shows
    DeprecationWarnings only for code in __main__)."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PKG_DIR):
        frame = frame.f_back
        level += 1
    return level
