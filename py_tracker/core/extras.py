"""What every run records besides `log()`: system load, console output, environment, code.

Called once per run right after `init()`. Each part is optional and fails
soft: a broken collector or an unreadable git repo never stops a run.
"""
from __future__ import annotations

import logging
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger("py_tracker")


def attach(run: Any) -> None:
    s = run.settings
    if s.monitor_interval:
        # psutil and NVML take tens of ms to import and probe: start the monitor off the
        # user's thread so init() returns at once; finish waits for it and stops it.
        starter = _MonitorStarter(run._log_system, max(0.05, float(s.monitor_interval)))
        starter.start()
        run.add_finish_hook(starter.stop)
    if s.capture_output:
        from ..output import OutputCapture
        capture = OutputCapture(run.dir / "output.log")
        capture.start()
        run.add_finish_hook(capture.stop)
        run.add_poll_hook(capture.flush)
    if s.save_code:
        # Cells run after init() (the training loop) are only known at finish.
        run.add_finish_hook(lambda: save_code(run))
    env = threading.Thread(target=_environment, args=(run,), name="py_tracker-env", daemon=True)
    env.start()
    # metadata.json & co. are part of the run: finish waits for them (they take well under 1 s)
    run.add_finish_hook(lambda: env.join(timeout=5))


class _MonitorStarter(threading.Thread):
    """Imports and starts the SystemMonitor of a run in the background; `stop()` stops it."""

    def __init__(self, sink: Any, interval: float):
        super().__init__(name="py_tracker-monitor-start", daemon=True)
        self.sink, self.interval = sink, interval
        self.monitor: Any = None

    def run(self) -> None:
        try:
            from ..monitor import SystemMonitor
            monitor = SystemMonitor(self.sink, interval=self.interval)
            monitor.start()
            self.monitor = monitor
        except Exception as exc:
            log.warning("py_tracker: system monitor not started: %s", exc)

    def stop(self) -> None:
        self.join(timeout=10)
        if self.monitor is not None:
            self.monitor.stop(final_sample=True)


def _environment(run: Any) -> None:
    """Files that describe where the run came from; written off the user's thread."""
    try:
        from ..environment import write_run_environment
        write_run_environment(run.dir, started_at=run.start_time, cache_dir=run._layout.cache)
        if run.settings.save_code:
            save_code(run)
    except Exception as exc:
        log.info("py_tracker: could not record the environment of run %s: %s", run.id, exc)


def save_code(run: Any) -> None:
    """The code that produced the run: this session's notebook cells, or the script."""
    try:
        from ..environment import write_code_cells
        if write_code_cells(run.dir):
            return
        main = sys.modules.get("__main__")
        path = getattr(main, "__file__", None)
        if path:
            p = Path(path)
            if p.is_file() and p.stat().st_size < 10_000_000:
                (run.dir / "code").mkdir(exist_ok=True)
                shutil.copyfile(p, run.dir / "code" / p.name)
    except Exception as exc:
        log.info("py_tracker: could not save the code of run %s: %s", run.id, exc)
