"""`Updater`: the one thread that owns every Bokeh/widget update of a live panel.

Bokeh documents are not thread-safe, and widget callbacks (zoom, sliders) arrive
on the kernel's shell thread while the training loop may own the main thread.
So callbacks never touch a chart: they `submit()` a function, and this thread
runs it between ticks. A tick reads new history, flushes each chart at most once,
and then sleeps `interval` (>= 0.1 s: at most 10 flushes a second per chart).
When the panel is not live (no thread), `submit()` runs the function at once.
"""
from __future__ import annotations

import collections
import logging
import threading
from typing import Any, Callable

log = logging.getLogger("py_tracker")
MIN_INTERVAL = 0.1
# held around every round of every updater (commands, tick, finalize) and by
# `LiveBokehModel.get_state`, which serializes documents on the kernel's shell thread
DOC_LOCK = threading.RLock()


class Tickable:
    """What an Updater drives. `tick()` does one round of work; `done()` says the source has
    ended (the updater then runs one last `tick()` and `finalize()`, and exits)."""

    def tick(self) -> None:
        raise NotImplementedError

    def done(self) -> bool:
        raise NotImplementedError

    def finalize(self) -> None:
        pass


class Updater:
    def __init__(self, target: Tickable, interval: float = 0.2, idle: float = 1.0):
        self.target = target
        self.interval = max(MIN_INTERVAL, float(interval))
        self.idle = idle
        self.wake = threading.Event()
        self._commands: collections.deque[Callable[[], None]] = collections.deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    @property
    def alive(self) -> bool:
        return self._thread is not None

    def start(self) -> "Updater":
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="py_tracker-panel", daemon=True)
                self._thread.start()
        return self

    def submit(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the owner thread (or now, when no thread runs)."""
        with self._lock:
            if self._thread is not None:
                self._commands.append(fn)
                self.wake.set()
                return
        with DOC_LOCK:
            _safe(fn)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self.wake.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def _run_commands(self) -> None:
        while self._commands:
            with DOC_LOCK:
                _safe(self._commands.popleft())

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                self.wake.wait(self.idle)
                self.wake.clear()
                self._run_commands()
                finished = self.target.done()
                with DOC_LOCK:
                    _safe(self.target.tick)
                self.ticks += 1
                if finished:
                    with DOC_LOCK:
                        _safe(self.target.finalize)
                    break
                self._stop.wait(self.interval)
        finally:
            with self._lock:
                self._thread = None
            self._run_commands()


def _safe(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception as exc:  # a display problem must never kill the updater
        log.warning("py_tracker: panel update failed: %r", exc, exc_info=True)
