"""W&B's terminal helpers scripts call: `termlog`, `termwarn`, `termerror` (on stderr, prefixed
"py_tracker:"; WANDB_SILENT=true silences them; repeat=False prints a message once)."""
from __future__ import annotations

import sys

from .settings import wandb_silent

PREFIX = "py_tracker:"
_seen: set[str] = set()


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """Print `string` to stderr, each line prefixed."""
    if wandb_silent():
        return
    text = str(string)
    if not repeat:
        if text in _seen:
            return
        _seen.add(text)
    lines = text.split("\n") if text else [""]
    out = "\n".join(f"{PREFIX} {line}" if prefix else line for line in lines)
    sys.stderr.write(out + ("\n" if newline else ""))
    sys.stderr.flush()


def termwarn(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    termlog("\n".join(f"WARNING {s}" for s in str(string).split("\n")), newline, repeat, prefix)


def termerror(string: str, newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    termlog("\n".join(f"ERROR {s}" for s in str(string).split("\n")), newline, repeat, prefix)
