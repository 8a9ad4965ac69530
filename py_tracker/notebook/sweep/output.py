"""`ThreadOutput`: what one background thread prints goes to a widget, not into the void.

In a Jupyter kernel, `print()` from a background thread does not reach the cell that
started it (shared/notes/jupyter-stack.md; with ipykernel 7 it lands in whichever cell
runs at the time). The sweep widget runs its trials on such a thread, so while a sweep
runs, sys.stdout / sys.stderr are `output.StreamProxy`s routing by thread (installed *below* the trials' own
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
from typing import Any, Callable

from ...output import STREAMS, StreamProxy



class ThreadOutput:
    """Route the prints of registered threads (`threads`, a set of idents) to `output`
    (an ipywidgets.Output, or None to only keep them; it may be given later)."""

    def __init__(self, output: Any, max_chars: int = 50_000):
        self.output = output
        self.max_chars = max_chars
        self.threads: set[int] = set()
        self._lock = threading.Lock()
        self._pending: list[tuple[str, str]] = []
        self._kept: list[tuple[str, str]] = []
        self._kept_chars = 0
        self._installed: list[StreamProxy] = []

    # --- lifecycle ------------------------------------------------------------------------
    def install(self) -> "ThreadOutput":
        """Put a `StreamProxy` routing by thread (`route`) in front of sys.stdout and
        sys.stderr (idempotent).

        A stand-in object rather than a patched `write`: IPython 9 saves `sys.stdout.write`
        when a cell starts and puts that back when it ends, which would silently drop a
        `write` patched in the middle of a cell (the cell that presses Start)."""
        if self._installed:
            return self
        for name in STREAMS:
            stream = getattr(sys, name, None)
            if stream is None:
                continue
            proxy = StreamProxy(name, stream, self._router(name, stream), label="sweep output over").install()
            self._installed.append(proxy)
        return self

    def uninstall(self) -> None:
        """Undo install(); a stream someone put in front of ours meanwhile stays (ours passes through)."""
        for proxy in reversed(self._installed):
            proxy.active = False
            proxy.remove()
        self._installed.clear()

    def _router(self, name: str, target: Any) -> Callable[[str], Any]:
        """Writes of the watched threads are kept for `flush`, the rest go to `target`."""
        def route(s: str) -> Any:
            if threading.get_ident() in self.threads:
                self.feed(name, s)
                return len(s) if isinstance(s, str) else 0
            return target.write(s)
        return route

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
        if self.output is not None:  # None: kept for `text` only (a headless sweep)
            self.output.outputs = tuple({"output_type": "stream", "name": n, "text": t} for n, t in self._kept)
        return True

    @property
    def text(self) -> str:
        """Everything kept so far (flushed), stdout and stderr interleaved as written."""
        return "".join(t for _, t in self._kept)
