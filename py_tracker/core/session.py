"""The process-wide state behind `py_tracker.init/log/finish/config/summary/run`.

The active run is a plain module global (not a ContextVar: ipykernel has
dropped those between cells). `init` finishes the previous active run first,
as W&B does in notebooks and as the seed note describes.
"""
from __future__ import annotations

import atexit
import json
import logging
import os
import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import NoActiveRunError, UsageError
from ..settings import Settings, init_env
from ..storage.catalog import Catalog
from ..storage.history import last_step
from ..storage.paths import default_root
from ..storage.records import effective_state
from .config import Config, NoRunProxy
from .names import check_id, check_project, new_id, new_name
from .run import Run, host_info

log = logging.getLogger("py_tracker")

SWEEP_ENV = "PY_TRACKER_SWEEP_CONTEXT"
DEFAULT_PROJECT = "uncategorized"

_active: Any = None
_live: "weakref.WeakSet[Run]" = weakref.WeakSet()
_sweep_context: dict | None = None
_init_hooks: list[Callable[[Run], None]] = []
_lock = threading.RLock()
_exit_code = 0
_hooks_installed = False


def set_sweep_context(ctx: dict | None) -> None:
    """Used by sweep agents: the next `init()` joins this sweep.

    ctx = {"sweep_id": str, "project": str, "config": dict, "root": str (optional),
           "run_id": str (optional)}. Sweep values win over init(config=...);
    init(project=...) is ignored inside a sweep.
    """
    global _sweep_context
    _sweep_context = dict(ctx) if ctx else None


def get_sweep_context() -> dict | None:
    """The sweep this process's next init() joins. A context set for one thread (the
    agent's, e.g. a sweep widget's background thread) does not leak into init() calls
    made by the user's own cells on other threads."""
    if _sweep_context is not None:
        owner = _sweep_context.get("thread")
        if owner is None or owner == threading.get_ident():
            return _sweep_context
        return None
    raw = os.environ.get(SWEEP_ENV)
    if not raw:
        return None
    try:
        if raw.lstrip().startswith("{"):
            return json.loads(raw)
        return json.loads(Path(raw).read_text())
    except (OSError, ValueError) as exc:
        raise UsageError(f"environment variable {SWEEP_ENV} is not valid JSON or a JSON file: {exc}") from None


def add_init_hook(fn: Callable[[Run], None]) -> None:
    """`fn(run)` runs after every successful `init()` (system monitor, notebook panel...)."""
    if fn not in _init_hooks:
        _init_hooks.append(fn)


def active_run() -> Any:
    return _active


def _set_module_attrs(run: Any) -> None:
    pkg = sys.modules.get("py_tracker")
    if pkg is None:
        return
    if run is None:
        pkg.run = None  # type: ignore[attr-defined]
        pkg.config = NoRunProxy("config")  # type: ignore[attr-defined]
        pkg.summary = NoRunProxy("summary")  # type: ignore[attr-defined]
    else:
        pkg.run = run  # type: ignore[attr-defined]
        pkg.config = run.config  # type: ignore[attr-defined]
        pkg.summary = run.summary  # type: ignore[attr-defined]


def _load_config(config: Any) -> dict:
    if config is None:
        return {}
    if isinstance(config, (str, os.PathLike)):
        import yaml
        path = Path(config)
        if not path.exists():
            raise UsageError(f"init(config={str(config)!r}): no such file; pass a dict or a YAML file path")
        data = yaml.safe_load(path.read_text()) or {}
        # W&B's config-defaults.yaml form: {key: {value: v, desc: ...}}
        return {k: (v["value"] if isinstance(v, dict) and "value" in v else v)
                for k, v in data.items() if k != "wandb_version"}
    if isinstance(config, Config):
        return config.as_dict()
    if hasattr(config, "items"):
        return dict(config.items())
    if hasattr(config, "__dict__"):
        return dict(vars(config))
    raise UsageError(f"init(config=...) takes a dict, a Namespace or a YAML path; got {type(config).__name__}")


def init(project: str | None = None, name: str | None = None, group: str | None = None,
         job_type: str | None = None, tags: Sequence[str] | None = None, notes: str | None = None,
         config: Any = None, dir: str | os.PathLike[str] | None = None, id: str | None = None,
         resume: bool | str | None = None, reinit: bool | str | None = None, mode: str | None = None,
         settings: Settings | Mapping[str, Any] | None = None, entity: str | None = None,
         display: bool | None = None, config_exclude_keys: Sequence[str] | None = None,
         config_include_keys: Sequence[str] | None = None, save_code: bool | None = None,
         anonymous: str | None = None, allow_val_change: bool | None = None,
         sync_tensorboard: bool | None = None, monitor_gym: bool | None = None,
         **unknown: Any) -> Any:
    """Start a run (W&B's signature). Returns a `Run`; the previous active run is finished first.

    project defaults to "uncategorized"; name to a random readable name; id to
    8 random characters. dir is the store root (else PY_TRACKER_DIR, else
    ~/.py_tracker). resume="allow"|"must"|"never" (or True) with id continues a
    run. mode="disabled" returns a run whose calls do nothing.
    """
    global _active
    if unknown:
        raise UsageError(f"init() got unknown argument(s) {sorted(unknown)}; see help(py_tracker.init)")
    env = init_env()
    project = project or env.get("project")
    entity = entity or env.get("entity")
    name = name if name is not None else env.get("name")
    notes = notes if notes is not None else env.get("notes")
    tags = tags if tags is not None else env.get("tags")
    group = group if group is not None else env.get("group")
    job_type = job_type if job_type is not None else env.get("job_type")
    id = id or env.get("id")
    resume = resume if resume is not None else env.get("resume")
    dir = dir if dir is not None else env.get("dir")
    mode = mode or env.get("mode") or "offline"
    if mode not in ("online", "offline", "disabled", "dryrun", "run", "shared"):
        raise UsageError(f"init(mode={mode!r}): use 'offline' (default), 'online' (same thing here) or 'disabled'")
    s = Settings.resolve(settings)  # a bad setting fails here, before the active run is touched
    with _lock:
        if mode == "disabled":
            from .disabled import DisabledRun
            if _active is not None and reinit != "create_new":
                _active.finish()
            run = DisabledRun(config=_load_config(config), project=project or DEFAULT_PROJECT, name=name,
                              settings=Settings.resolve(settings))
            _active = run
            _set_module_attrs(run)
            return run
        if reinit == "return_previous" and _active is not None and not _active.finished:
            return _active
        if _active is not None and reinit != "create_new":
            _active.finish()

        if display is not None:
            s.display = bool(display)
        if save_code is not None:
            s.save_code = bool(save_code)
        cfg = {}
        for path in env.get("config_paths") or ():
            cfg.update(_load_config(path))  # WANDB_CONFIG_PATHS: defaults under init(config=...)
        cfg.update(_load_config(config))
        if config_exclude_keys:
            cfg = {k: v for k, v in cfg.items() if k not in set(config_exclude_keys)}
        if config_include_keys:
            cfg = {k: v for k, v in cfg.items() if k in set(config_include_keys)}
        sweep = get_sweep_context()
        sweep_id = None
        if sweep:
            sweep_id = sweep.get("sweep_id")
            project = sweep.get("project") or project
            cfg.update(sweep.get("config") or {})
            dir = sweep.get("root") or dir
            id = sweep.get("run_id") or id
        project = check_project(project or DEFAULT_PROJECT)
        if tags is not None and (isinstance(tags, str) or not all(isinstance(t, str) for t in tags)):
            raise UsageError(f"init(tags=...) takes a list of strings, e.g. tags=['baseline']; got {tags!r}")
        root = Path(dir).expanduser() if dir is not None else default_root()
        catalog = Catalog(root)
        if resume not in (None, False, True, "allow", "must", "never", "auto"):
            raise UsageError(f"init(resume={resume!r}): use 'allow', 'must', 'never' or True")
        if resume == "must" and not id:
            raise UsageError("init(resume='must') needs the id of the run to continue: init(id=..., resume='must')")
        run_id = check_id(id) if id else new_id()
        # The checks and the write share one transaction: two processes starting the same id
        # at once see each other (the second finds the first's record, "running").
        with catalog.transaction():
            existing = catalog.get("runs", run_id) if id else None
            if existing is not None and existing.get("project") != project and not sweep:
                if project != DEFAULT_PROJECT:
                    raise UsageError(f"run id {run_id!r} belongs to project {existing.get('project')!r}, "
                                     f"not {project!r}; pick another id or that project")
                project = existing["project"]
            if resume == "must" and existing is None:
                raise UsageError(f"init(id={run_id!r}, resume='must'): no run with that id in {root}; "
                                 f"check the id (py-tracker runs) or use resume='allow'")
            if resume == "never" and existing is not None:
                raise UsageError(f"init(id={run_id!r}, resume='never'): a run with that id already exists; "
                                 f"choose a new id or use resume='allow'")
            if existing is not None and not resume:
                raise UsageError(f"a run with id {run_id!r} already exists in project {existing.get('project')!r}; "
                                 f"pass resume='allow' to continue it, or choose another id")
            now = time.time()
            start_step, runtime_offset, resumed = 0, 0.0, False
            if existing is not None:
                if effective_state(existing) == "running":
                    raise UsageError(f"run {run_id!r} is still running in process {existing.get('pid')} on "
                                     f"{existing.get('host')}; finish it there first")
                record = existing
                resumed = True
                hist = last_step(catalog.layout.history(run_id))
                start_step = max(int(existing.get("last_step", -1)), hist if hist is not None else -1) + 1
                runtime_offset = float(existing.get("runtime") or 0.0)
                merged = dict(existing.get("config") or {})
                merged.update(cfg)
                record["config"] = merged
                for key, val in (("name", name), ("group", group), ("job_type", job_type), ("notes", notes)):
                    if val is not None:
                        record[key] = val
                if tags is not None:
                    record["tags"] = list(tags)
                record.update(state="running", finished_at=None, exit_code=None, resumed_at=now, **host_info())
            else:
                record = new_record(run_id, project, name=name, group=group, job_type=job_type,
                                    tags=tags, notes=notes, config=cfg, sweep_id=sweep_id, now=now)
            if entity:
                record["entity"] = str(entity)
            # normalize config through Config so numpy scalars etc. become plain values
            record["config"] = Config(record["config"]).as_dict()
            catalog.put("runs", record, durable=False)  # finish() is the durable save
            # (and of the project too: its fsync of the journal covers this line; the first run
            # of a project no longer waits for a disk flush in init)
            catalog.insert_new("projects", {"name": project, "created_at": now}, durable=False)
        run = Run(catalog, record, s, start_step=start_step, runtime_offset=runtime_offset, resumed=resumed)
        if sweep:
            run.config.lock(sweep.get("config") or {})  # W&B: the sweep's values win over the script's
        _live.add(run)
        if reinit != "create_new":  # W&B: create_new never sets wandb.run (nor wandb.log's run)
            _active = run
            _set_module_attrs(run)
        _install_exit_hooks()
    for hook in list(_init_hooks):
        try:
            hook(run)
        except Exception as exc:  # an integration must never break init
            log.warning("py_tracker: an init hook failed: %s", exc)
    return run


def new_record(run_id: str, project: str, *, name: str | None = None, group: str | None = None,
               job_type: str | None = None, tags: Sequence[str] | None = None, notes: str | None = None,
               config: dict | None = None, sweep_id: str | None = None, now: float | None = None) -> dict:
    """The catalog record of a run that starts now in this process (state "running")."""
    now = time.time() if now is None else now
    rec = {"id": run_id, "project": project, "name": name or new_name(), "group": group,
           "job_type": job_type, "tags": list(tags or []), "notes": notes, "config": dict(config or {}),
           "summary": {}, "state": "running", "created_at": now, "updated_at": now, "heartbeat_at": now,
           "runtime": 0.0, "last_step": -1, "sweep_id": sweep_id, "metrics": [], "dir": f"runs/{run_id}"}
    rec.update(host_info())
    return rec


def _on_finish(run: Any) -> None:
    global _active
    with _lock:
        if _active is run:
            _active = None
            _set_module_attrs(None)


def require_run(what: str) -> Any:
    run = _active
    if run is None:
        raise NoActiveRunError(f"py_tracker.{what}() was called before py_tracker.init(); "
                               f"call py_tracker.init(project=...) first")
    return run


def _install_exit_hooks() -> None:
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_finish_all)
    if "IPython" not in sys.modules or not _in_ipython():
        previous = sys.excepthook

        def hook(tp, value, tb):  # an uncaught error in a script: its runs end "failed"
            global _exit_code
            _exit_code = 1
            previous(tp, value, tb)
        sys.excepthook = hook


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
        return get_ipython() is not None
    except Exception:
        return False


def _finish_all() -> None:
    for run in list(_live):
        try:
            if not run.finished:
                run.finish(exit_code=_exit_code)
        except Exception as exc:  # at exit there is no one left to raise to
            log.warning("py_tracker: could not finish run %s at exit: %s", getattr(run, "id", "?"), exc)
