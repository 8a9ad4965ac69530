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
        from ...errors import UsageError  # type: ignore[assignment]
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


def split_config_line(line: str) -> list[str]:
    """Split a `%%track` line, keeping the `--config`/`-c` expression as the user typed it.

    shlex would eat the quotes inside `--config dict(optimizer="adam")` (leaving the name
    `adam` to evaluate); so the expression is cut from the raw line first: it runs to the
    next option (` -x`/` --x`) outside quotes and brackets, and loses one pair of outer
    quotes if it is quoted as a whole (`--config "dict(lr=0.1)"`).
    """
    import re
    m = re.search(r"(?:^|\s)(--config|-c)(?:=|\s+)", line)
    if m is None:
        return _join_config(_split(line))
    start = m.end()
    depth, quote, i = 0, "", start
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch.isspace() and depth <= 0 and re.match(r"\s+--?[A-Za-z]", line[i:]):
            break
        i += 1
    expr = line[start:i].strip()
    if len(expr) >= 2 and expr[0] == expr[-1] and expr[0] in "'\"":
        inner = _split(expr)
        if len(inner) == 1:
            expr = inner[0]
    return _split(line[:m.start()]) + [m.group(1), expr] + split_config_line(line[i:])


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
    from ...api import Api
    from ...core import session
    active = session.active_run()
    if root is None and active is not None and not getattr(active, "disabled", False):
        root = getattr(active, "root", None)
    return Api(root)


def _display(obj: Any) -> None:
    from IPython.display import display
    display(obj)
