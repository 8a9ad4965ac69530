"""`ThreadOutput`: what one background thread prints goes to a widget, not into the void.

In a Jupyter kernel, `print()` from a background thread does not reach the cell that
started it (shared/notes/jupyter-stack.md; with ipykernel 7 it lands in whichever cell
runs at the time). The sweep widget runs its trials on such a thread, so while a sweep
runs, sys.stdout / sys.stderr are `ThreadStream`s (installed *below* the trials' own
OutputCaptures, so every trial's output.log still gets its copy). Writes from the
watched thread are buffered here and handed to an `ipywidgets.Output` by `flush()` (the
widget's owner thread calls it a few times a second: one message per flush, not one per
`print`); writes from any other thread pass through unchanged.
The kept text is bounded (`max_chars`, oldest dropped), so a chatty trial cannot grow
the notebook without limit.
"""
from __future__ import annotations

import sys
import threading
from typing import Any

STREAMS = ("stdout", "stderr")


class ThreadStream:
    """Stands in for sys.stdout / sys.stderr while a sweep runs: writes of the watched threads
    go to the owner, the rest to the real stream; every other attribute is the real stream's.

    A stand-in object rather than a patched `write`: IPython 9 saves `sys.stdout.write` when
    a cell starts and puts that back when it ends, which would silently drop a `write`
    patched in the middle of a cell (the cell that presses Start). `write` is a plain method,
    so the per-cell tee of IPython and a run's OutputCapture can still shadow it on this object.
    """

    def __init__(self, owner: "ThreadOutput", name: str, target: Any):
        self._owner, self._name, self._target = owner, name, target
        self.active = True

    def write(self, s: str) -> Any:
        if self.active and threading.get_ident() in self._owner.threads:
            self._owner.feed(self._name, s)
            return len(s) if isinstance(s, str) else 0
        return self._target.write(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    def __repr__(self) -> str:
        return f"<py_tracker sweep output over {self._target!r}>"


class ThreadOutput:
    """Route the prints of registered threads (`threads`, a set of idents) to `output`."""

    def __init__(self, output: Any, max_chars: int = 50_000):
        self.output = output
        self.max_chars = max_chars
        self.threads: set[int] = set()
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str]] = []
        self._kept: list[tuple[str, str]] = []
        self._kept_chars = 0
        self._installed: list[ThreadStream] = []

    # --- lifecycle ------------------------------------------------------------------------
    def install(self) -> "ThreadOutput":
        """Put a `ThreadStream` in front of sys.stdout and sys.stderr (idempotent)."""
        if self._installed:
            return self
        for name in STREAMS:
            stream = getattr(sys, name, None)
            if stream is None:
                continue
            proxy = ThreadStream(self, name, stream)
            setattr(sys, name, proxy)
            self._installed.append(proxy)
        return self

    def uninstall(self) -> None:
        """Undo install(); a stream someone put in front of ours meanwhile stays (ours passes through)."""
        for proxy in reversed(self._installed):
            proxy.active = False
            if getattr(sys, proxy._name) is proxy:
                setattr(sys, proxy._name, proxy._target)
        self._installed.clear()

    # --- text -----------------------------------------------------------------------------
    def feed(self, name: str, s: str) -> None:
        if not isinstance(s, str) or not s:
            return
        with self._lock:
            if self._pending and self._pending[-1][0] == name:
                self._pending[-1] = (name, self._pending[-1][1] + s)
            else:
                self._pending.append((name, s))

    def write(self, text: str, name: str = "stdout") -> None:
        """Add a line of our own (trial headers) in order with the thread's output."""
        self.feed(name, text)

    def flush(self) -> bool:
        """Show what was written since the last flush (call from the widget's owner thread)."""
        with self._lock:
            pending, self._pending = self._pending, []
        if not pending:
            return False
        for name, text in pending:
            if self._kept and self._kept[-1][0] == name:
                self._kept[-1] = (name, self._kept[-1][1] + text)
            else:
                self._kept.append((name, text))
            self._kept_chars += len(text)
        while self._kept_chars > self.max_chars and self._kept:
            name, text = self._kept[0]
            cut = self._kept_chars - self.max_chars
            if cut >= len(text):
                self._kept.pop(0)
                self._kept_chars -= len(text)
            else:
                nl = text.find("\n", cut)
                keep_from = nl + 1 if 0 <= nl < len(text) - 1 else cut
                self._kept[0] = (name, "…\n" + text[keep_from:])
                self._kept_chars -= keep_from
                break
        self.output.outputs = tuple({"output_type": "stream", "name": n, "text": t} for n, t in self._kept)
        return True

    @property
    def text(self) -> str:
        """Everything kept so far (flushed), stdout and stderr interleaved as written."""
        return "".join(t for _, t in self._kept)
