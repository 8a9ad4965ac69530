"""What every run records besides `log()`: system load, console output, environment, code.

Called once per run right after `init()`. Each part is optional and fails
soft: a broken collector or an unreadable git repo never stops a run.
"""
from __future__ import annotations

import logging
import sys
import threading
from typing import Any

log = logging.getLogger("py_tracker")


def attach(run: Any) -> None:
    s = run.settings
    if s.monitor_interval:
        from ..monitor import SystemMonitor
        monitor = SystemMonitor(run._log_system, interval=float(s.monitor_interval))
        monitor.start()
        run.add_finish_hook(lambda: monitor.stop(final_sample=True))
    if s.capture_output:
        from ..output import OutputCapture
        capture = OutputCapture(run.dir / "output.log")
        capture.start()
        run.add_finish_hook(capture.stop)
        run.add_poll_hook(capture.flush)
    threading.Thread(target=_environment, args=(run,), name="py_tracker-env", daemon=True).start()


def _environment(run: Any) -> None:
    """Files that describe where the run came from; written off the user's thread."""
    try:
        from ..environment import write_run_environment
        write_run_environment(run.dir, started_at=run.start_time)
        if run.settings.save_code:
            save_code(run)
    except Exception as exc:
        log.info("py_tracker: could not record the environment of run %s: %s", run.id, exc)


def save_code(run: Any, cells: list[dict] | None = None) -> None:
    """The code that produced the run: notebook cells so far, or the script."""
    from ..environment import code_cells
    code_dir = run.dir / "code"
    if cells is None:
        cells = code_cells()
    if cells:
        code_dir.mkdir(exist_ok=True)
        text = "".join(f"# In[{c.get('execution_count')}]:\n{c.get('source', '')}\n\n" for c in cells)
        (code_dir / "notebook_cells.py").write_text(text)
        return
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path:
        import shutil
        from pathlib import Path
        p = Path(path)
        if p.is_file() and p.stat().st_size < 10_000_000:
            code_dir.mkdir(exist_ok=True)
            shutil.copyfile(p, code_dir / p.name)
