"""W&B's `termlog` / `termwarn` / `termerror`: one-line messages on stderr, prefixed "wandb:"."""
from __future__ import annotations

import sys

_seen: set[str] = set()


def _emit(prefix: str, string: str, newline: bool, repeat: bool) -> None:
    text = str(string)
    if not repeat:
        if text in _seen:
            return
        _seen.add(text)
    sys.stderr.write(f"wandb: {prefix}{text}" + ("\n" if newline else ""))


def termlog(string: str = "", newline: bool = True, repeat: bool = True, prefix: bool = True) -> None:
    """Print an informational line."""
    _emit("", string, newline, repeat)


def termwarn(string: str, newline: bool = True, repeat: bool = True) -> None:
    """Print a warning line (repeat=False: once per process)."""
    _emit("WARNING ", string, newline, repeat)


def termerror(string: str, newline: bool = True, repeat: bool = True) -> None:
    """Print an error line (repeat=False: once per process)."""
    _emit("ERROR ", string, newline, repeat)
