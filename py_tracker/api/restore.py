"""`wandb.restore(name, run_path=...)`: a file a run saved, copied back and opened for reading."""
from __future__ import annotations

import os
from typing import IO, Any

from ..errors import UsageError


def restore(name: str, run_path: str | None = None, replace: bool = False, root: str | None = None) -> IO[str] | None:
    """Copy file `name` of run `run_path` ("entity/project/id", "project/id" or "id"; default:
    the active run, as when resuming) into `root` (default: the active run's folder, else ".")
    and return it open for reading. None when the run has no such file (W&B's answer)."""
    from ..core.session import active_run
    from . import Api
    active: Any = active_run()
    if run_path is None:
        if active is None:
            raise UsageError("restore() needs run_path='project/run_id' when no run is active")
        run_path = active.id
    api = Api(active.root if active is not None else None)
    run = api.run(run_path)
    try:
        f = run.file(name)
    except FileNotFoundError:
        return None
    dest_root = root if root is not None else (str(active.dir) if active is not None and active.id != run.id else ".")
    target = os.path.join(dest_root, name)
    if active is not None and active.id == run.id and root is None:
        return open(f.path, encoding="utf-8", errors="replace")  # the run's own file: nothing to copy
    path = f.download(dest_root, replace=True) if replace or not os.path.exists(target) else target
    return open(path, encoding="utf-8", errors="replace")
