"""OutputCapture: tee a run's stdout, stderr and logging records into its output.log.

The cell keeps showing everything as before: the original stream objects do
the writing, the capture only gets a copy. How the copy is taken:

- If the stream object accepts attributes (ipykernel's OutStream, most Python
  stream classes), its `write` is shadowed by an instance attribute. The object
  stays the same (`sys.stdout is kernel_stream`), so isinstance checks, `fileno`,
  widgets' output routing and the kernel's own behaviour are untouched.
- Otherwise (C streams such as a terminal's `io.TextIOWrapper` or `io.StringIO`)
  `sys.stdout` is replaced by a thin delegating wrapper.
- Inside an IPython shell the wrapper is always used: IPython (9.x) saves the
  stream's `write` when a cell starts and puts it back when the cell ends, which
  would silently drop a hook installed mid-cell by `init()` and lose the output
  of every later cell. (ipykernel keeps its own reference to its OutStream.)

`stop()` undoes exactly what `start()` did. If someone else wrapped or patched
the stream on top of ours meanwhile, it is left in place and our layer just
stops copying (removing it would clobber theirs).

In the file, a carriage return starts the current line over, so a progress bar
(tqdm) is written once, in its last state, when its line ends. Only completed
lines are written; the pending line is bounded (`max_line`), the file is
buffered, and nothing else is kept in memory, so long output costs O(1) memory.
Logging records reach the file once: records a StreamHandler already prints to
a captured stream are taken from the stream; other records are formatted by a
handler on the root logger (which also keeps Python's "last resort" printing of
warnings when no other handler exists).
"""
from __future__ import annotations

import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any, Callable

_SPLIT = re.compile(r"([\r\n])")
STREAMS = ("stdout", "stderr")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Hook:
    """The copying `write` installed on one stream; `active` False turns it into a pass-through."""

    def __init__(self, capture: OutputCapture, key: str, write: Callable[[str], Any], own: Any):
        self.capture, self.key, self.original_write, self.active = capture, key, write, True
        self.own = own  # what the stream's instance dict held before (_MISSING: nothing)

    def __call__(self, s: str) -> Any:
        n = self.original_write(s)
        if self.active:
            self.capture.feed(self.key, s)
        return n


class StreamProxy:
    """Stands in for `sys.<name>` (stdout or stderr): `write` goes to `route(s)`, every other
    attribute is the real stream's. The one stand-in stream of py_tracker: a run's
    `OutputCapture` uses it where a stream cannot be patched, the sweep widget's
    `ThreadOutput` to route the prints of its trial threads.

    `write` is a plain method, so IPython's per-cell tee or another capture can still
    shadow it on this object; `writelines` goes through `write`. While `active` is False
    writes pass straight to the real stream. `install()` puts the proxy in `sys`;
    `remove()` takes it out again only if it is still in front (a stream someone put on
    top of it meanwhile stays, and this one passes through)."""

    def __init__(self, name: str, target: Any, route: Callable[[str], Any], label: str = "stand-in for"):
        self._name, self._target, self._route, self._label = name, target, route, label
        self.active = True

    def write(self, s: str) -> Any:
        if self.active:
            return self._route(s)
        return self._target.write(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def install(self) -> "StreamProxy":
        setattr(sys, self._name, self)
        return self

    def remove(self) -> None:
        if getattr(sys, self._name, None) is self:
            setattr(sys, self._name, self._target)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __repr__(self) -> str:
        return f"<py_tracker {self._label} {self._target!r}>"


def _in_ipython_shell() -> bool:
    if "IPython" not in sys.modules:
        return False
    try:
        from IPython import get_ipython
        return get_ipython() is not None
    except Exception:
        return False


class _LogHandler(logging.Handler):
    """Root-logger handler writing records that would not otherwise reach a captured stream."""

    def __init__(self, capture: OutputCapture):
        super().__init__(logging.NOTSET)
        self.capture = capture
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def _route(self, record: logging.LogRecord) -> tuple[bool, bool]:
        """(another handler will see it, it will be printed to a captured stream)."""
        others = shown = False
        node = logging.root.manager.loggerDict.get(record.name)
        logger: logging.Logger | None = node if isinstance(node, logging.Logger) else logging.root
        while logger is not None:
            for h in logger.handlers:
                if h is self:
                    continue
                others = True
                if isinstance(h, logging.StreamHandler) and record.levelno >= h.level \
                        and self.capture.is_captured(getattr(h, "stream", None)):
                    shown = True
            if not logger.propagate:
                break
            logger = logger.parent
        return others, shown

    def emit(self, record: logging.LogRecord) -> None:
        try:
            others, shown = self._route(record)
            if shown:
                return
            if not others:
                last = logging.lastResort
                if last is not None and record.levelno >= last.level:
                    last.handle(record)  # prints to sys.stderr as Python would; the tee copies it
                    if self.capture.is_captured(sys.stderr):
                        return
            self.capture.write_line(self.format(record))
        except Exception:
            self.handleError(record)


class OutputCapture:
    """Copies stdout, stderr and logging records into `path` between start() and stop()."""

    def __init__(self, path: str | os.PathLike[str], *, capture_logging: bool = True,
                 max_line: int = 64 * 1024, wrap: bool | None = None):
        self.path = Path(path)
        self.wrap = _in_ipython_shell() if wrap is None else wrap
        self.capture_logging = capture_logging
        self.max_line = max_line
        self._lock = threading.RLock()
        self._file: Any = None
        self._pending: dict[str, list[str]] = {k: [] for k in STREAMS}
        self._plen = dict.fromkeys(STREAMS, 0)
        self._cr = dict.fromkeys(STREAMS, False)
        self._installed: list[tuple[str, Any, _Hook, Any, Any]] = []
        self._captured_ids: set[int] = set()
        self._handler: _LogHandler | None = None
        self.error: BaseException | None = None
        self._started = False

    @property
    def active(self) -> bool:
        return self._file is not None

    def is_captured(self, stream: Any) -> bool:
        """Whether writes to `stream` reach this capture."""
        return stream is not None and id(stream) in self._captured_ids

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> OutputCapture:
        """Open the file (append) and hook sys.stdout, sys.stderr and the root logger."""
        if self._started:
            return self
        self._started = True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8", errors="replace",
                          buffering=1 << 16, newline="")
        for key in STREAMS:
            self._install(key)
        if self.capture_logging:
            self._handler = _LogHandler(self)
            logging.root.addHandler(self._handler)
        return self

    def _install(self, key: str) -> None:
        stream = getattr(sys, key)
        if stream is None:
            return
        own = getattr(stream, "__dict__", {}).get("write", _MISSING)
        hook = _Hook(self, key, stream.write, own)
        patched = False
        if not self.wrap:
            try:
                stream.write = hook
                patched = getattr(stream, "write", None) is hook
            except (AttributeError, TypeError):
                patched = False
        if patched:
            self._installed.append((key, stream, hook, None, own))
            self._captured_ids.add(id(stream))
        else:
            tee = StreamProxy(key, stream, hook, label="tee of").install()
            self._installed.append((key, stream, hook, tee, own))
            self._captured_ids.add(id(tee))

    def stop(self) -> None:
        """Restore streams and logging, write pending lines, close the file. Idempotent."""
        if not self._started:
            return
        self._started = False
        if self._handler is not None:
            logging.root.removeHandler(self._handler)
            self._handler = None
        for key, stream, hook, tee, own in reversed(self._installed):
            hook.active = False
            if tee is not None:
                tee.remove()
            elif getattr(stream, "__dict__", {}).get("write") is hook:
                while isinstance(own, _Hook) and not own.active:  # skip layers already stopped
                    own = own.own
                if own is _MISSING:
                    del stream.write
                else:
                    stream.write = own
        self._installed.clear()
        self._captured_ids.clear()
        with self._lock:
            for key in STREAMS:
                if self._pending[key]:
                    self._commit(key)
            if self._file is not None:
                try:
                    self._file.close()
                except OSError as exc:
                    self.error = exc
                self._file = None

    def flush(self) -> None:
        """Push completed lines to disk (called with the history flush)."""
        with self._lock:
            if self._file is not None:
                try:
                    self._file.flush()
                except OSError as exc:
                    self._fail(exc)

    def __enter__(self) -> OutputCapture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- text handling ----------------------------------------------------------------
    def feed(self, key: str, s: str) -> None:
        """Take a chunk written to stream `key` ("stdout"/"stderr")."""
        if not s or self._file is None or not isinstance(s, str):
            return
        with self._lock:
            if self._file is None:
                return
            if "\r" not in s and not self._cr[key]:
                i = s.rfind("\n")
                if i < 0:
                    self._add(key, s)
                    return
                if self._pending[key]:
                    self._add(key, s[:i])
                    self._commit(key)
                else:
                    self._write(s[:i + 1])
                if i + 1 < len(s):
                    self._add(key, s[i + 1:])
                return
            for piece in _SPLIT.split(s):
                if piece == "\n":
                    self._commit(key)
                elif piece == "\r":
                    self._cr[key] = True
                elif piece:
                    if self._cr[key]:
                        self._pending[key].clear()
                        self._plen[key] = 0
                        self._cr[key] = False
                    self._add(key, piece)

    def write_line(self, line: str) -> None:
        """Write one complete line (a formatted logging record)."""
        with self._lock:
            if self._file is not None:
                self._write(line + "\n")

    def _add(self, key: str, s: str) -> None:
        self._pending[key].append(s)
        self._plen[key] += len(s)
        if self._plen[key] > self.max_line:  # bounded: a huge line is written in pieces
            self._commit(key)

    def _commit(self, key: str) -> None:
        self._write("".join(self._pending[key]) + "\n")
        self._pending[key].clear()
        self._plen[key] = 0
        self._cr[key] = False

    def _write(self, text: str) -> None:
        try:
            self._file.write(text)
        except (OSError, ValueError) as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        """The file cannot be written (disk full...): stop copying; the cell output is unaffected."""
        self.error = exc
        for _key, _stream, hook, _tee, _own in self._installed:
            hook.active = False
        if self._handler is not None:
            logging.root.removeHandler(self._handler)
            self._handler = None
        try:
            self._file.close()
        except (OSError, ValueError):
            pass
        self._file = None


_MISSING = object()
