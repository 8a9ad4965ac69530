"""Argument handling shared by the `%track` magics: argparse raising IPython's UsageError,
quoting-tolerant splitting, the store to read (`--dir`) and display."""
from __future__ import annotations

import argparse
import shlex
from typing import Any


def _usage_error(msg: str) -> Exception:
    try:
        from IPython.core.error import UsageError
    except ImportError:  # pragma: no cover - IPython is a dependency of the notebook extra
        from ..errors import UsageError  # type: ignore[assignment]
    return UsageError(msg)


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError (with the usage line) instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _usage_error(f"{message}\nusage: {self.format_usage().removeprefix('usage: ').strip()}")

    def exit(self, status: int = 0, message: str | None = None) -> None:  # type: ignore[override]
        raise _usage_error(message or self.format_help())


def _parser(prog: str, description: str) -> _Parser:
    p = _Parser(prog=prog, description=description, add_help=False)
    p.add_argument("--dir", default=None, help="store root (default PY_TRACKER_DIR or ~/.py_tracker)")
    return p


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise _usage_error(f"cannot parse {line!r}: {exc} (check the quotes)") from None


def _join_config(argv: list[str]) -> list[str]:
    """`--config dict(lr=0.1, epochs=5)` unquoted: the expression runs to the next option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        out.append(tok)
        i += 1
        if tok in ("--config", "-c"):
            expr = []
            while i < len(argv) and not (argv[i].startswith("-") and argv[i].lstrip("-")[:1].isalpha()):
                expr.append(argv[i])
                i += 1
            out.append(" ".join(expr))
    return out


def _api(root: str | None) -> Any:
    from ..api import Api
    from ..core import session
    active = session.active_run()
    if root is None and active is not None and not getattr(active, "disabled", False):
        root = getattr(active, "root", None)
    return Api(root)


def _display(obj: Any) -> None:
    from IPython.display import display
    display(obj)
