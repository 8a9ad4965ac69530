"""Settings of a run: defaults < environment variables < `init(settings=...)`.

This module is the one reader of the process environment: every environment variable
py_tracker honours (its own PY_TRACKER_* and W&B's WANDB_*) is read by a function here,
and the few writes (W&B's `wandb.env` setters, a child process's environment, a reader
library configured through its own variables) go through here too;
`tests/test_settings_env.py` fails when another module touches `os.environ`.
"""
from __future__ import annotations

import dataclasses
import math
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from .errors import UsageError


def env_seconds(name: str, default: float | None) -> float | None:
    """Seconds from environment variable `name`.

    Unset or empty: `default`. "0" (or "off"/"false"/"no"/"none"): None, meaning
    off. Anything else must be a finite number of seconds >= 0 (UsageError).
    """
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip().lower()
    if text in ("off", "false", "no", "none"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a number of seconds; "
                         f"set it to e.g. 2, or 0 to turn it off") from None
    if not math.isfinite(value) or value < 0:
        raise UsageError(f"{name}={raw!r} must be a finite number of seconds >= 0 (0 turns it off)")
    return None if value == 0 else value


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


# Interval settings: (lowest, highest) seconds, and whether 0/None/False turns the feature off.
# flush_interval cannot be off (the flusher is what makes data durable) and 0 would make it spin
# on a core; heartbeat_interval must stay well under records.HEARTBEAT_TIMEOUT (30 s) or a live
# run would show as crashed, and it is also how soon a stop request is seen.
INTERVALS: dict[str, tuple[float, float, bool]] = {
    "flush_interval": (0.01, 3600.0, False),
    "heartbeat_interval": (0.05, 10.0, False),
    "catalog_interval": (0.1, 3600.0, False),
    "monitor_interval": (0.05, 3600.0, True),
}
SWITCHES = ("strict_steps", "capture_output", "save_code", "display")

# W&B settings accepted for drop-in compatibility and ignored (they have no meaning offline).
WANDB_IGNORED = frozenset({
    "start_method", "mode", "silent", "quiet", "console", "console_multipart", "anonymous", "api_key",
    "base_url", "init_timeout", "show_info", "show_warnings", "show_errors", "show_emoji", "disable_git",
    "disable_code", "disable_job_creation", "disable_meta", "_disable_meta", "x_disable_meta", "code_dir",
    "program", "program_relpath", "program_abspath", "notebook_name", "root_dir", "job_name", "job_source",
    "entity", "project", "run_id", "run_name", "run_group", "run_job_type", "run_notes", "run_tags", "resume",
    "resumed", "reinit", "sweep_id", "allow_val_change", "ignore_globs", "log_internal", "http_proxy",
    "https_proxy", "x_label", "x_primary", "x_primary_node", "x_service_wait", "_service_wait",
    "x_stats_samples_to_average", "x_stats_sampling_interval", "_stats_sample_rate_seconds", "git_remote",
    "git_root", "git_commit", "git_remote_url", "x_files_dir", "files_dir", "summary_warnings", "strict",
    "tmp_dir", "username", "email", "host", "heartbeat_seconds", "save_requirements", "x_save_requirements",
    "sync_tensorboard", "sync_file", "x_sync", "offline", "disabled", "label_disable", "x_disable_machine_info",
    "x_disable_service", "_disable_service", "x_require_legacy_service", "_require_core", "x_show_operation_stats",
    "x_skip_transaction_log", "x_update_finish_state", "x_server_side_derived_summary", "x_jupyter_name",
    "x_jupyter_path", "x_jupyter_root", "_jupyter", "launch", "launch_config_path", "fork_from", "resume_from",
})
_STATS_OFF = ("_disable_stats", "x_disable_stats")


def _did_you_mean(key: str, names: "list[str] | set[str] | frozenset[str]") -> str:
    import difflib
    close = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_interval(name: str, value: Any, source: str) -> float | None:
    """`value` as seconds within INTERVALS[name], None where off is allowed; UsageError otherwise.

    `source` names where the value came from (e.g. "settings['flush_interval']") for the message.
    """
    low, high, can_be_off = INTERVALS[name]
    valid = (f"a number of seconds from {low:g} to {high:g}" + (", or 0/None to turn it off" if can_be_off else
             " (it cannot be turned off)"))
    if value is None or value is False or (not isinstance(value, bool) and isinstance(value, (int, float))
                                             and value == 0):
        if can_be_off:
            return None
        raise UsageError(f"{source}={value!r} is not allowed: {name} must be {valid}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{source}={value!r} is not a number: {name} must be {valid}")
    v = float(value)
    if not math.isfinite(v) or not low <= v <= high:
        raise UsageError(f"{source}={value!r} is out of range: {name} must be {valid}")
    return v


@dataclass(init=False)
class Settings:
    """Knobs of a run. Each has an environment variable (PY_TRACKER_<NAME upper>).

    flush_interval: seconds between background flushes (data durable on disk within it), 0.01-3600.
    heartbeat_interval: seconds between heartbeats (a dead writer shows as crashed), 0.05-10.
    catalog_interval: seconds between summary/config saves to the catalog, 0.1-3600.
    strict_steps: raise (instead of warn) when log() gets a step lower than the current one.
    monitor_interval: seconds between system samples, 0.05-3600; None or 0 turns the monitor off.
    capture_output: record stdout/stderr/logging into the run's output.log (WANDB_CONSOLE=off: no).
    save_code: record the notebook cells / script that ran the run.
    display: show the live panel under the cell in a notebook.

    `resolve()` validates every value (type and range) and every key: W&B settings without
    meaning here (WANDB_IGNORED, and W&B's internal `x_*`/`_*` ones) are kept in `extra` and
    ignored, anything else is a UsageError naming the key, with the closest known name.
    """

    flush_interval: float = 0.25
    heartbeat_interval: float = 1.0
    catalog_interval: float = 2.0
    strict_steps: bool = False
    monitor_interval: float | None = 2.0
    capture_output: bool = True
    save_code: bool = True
    display: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        """`Settings(monitor_interval=5)`, or W&B's `wandb.Settings(start_method="thread")`:
        py_tracker's own settings are set (`resolve` checks their types and ranges), W&B's
        settings without meaning here go to `extra`, any other name is a UsageError naming it.
        Only the names given here override the environment when `init(settings=...)` resolves."""
        for f in dataclasses.fields(self):
            setattr(self, f.name, f.default_factory() if f.default_factory is not dataclasses.MISSING
                    else f.default)  # type: ignore[misc]
        known = [f.name for f in dataclasses.fields(self)]
        for k, v in values.items():
            if k == "extra":
                self.extra.update(v)
            elif k in known:
                setattr(self, k, v)
            elif k in WANDB_IGNORED or k in _STATS_OFF or k.startswith(("x_", "_")):
                self.extra[k] = v
            else:
                raise UsageError(f"Settings({k}={v!r}): unknown setting{_did_you_mean(k, [*known, *WANDB_IGNORED])}; "
                                 f"py_tracker's settings are {', '.join(n for n in known if n != 'extra')}")
        self._given = frozenset(values)

    @classmethod
    def resolve(cls, given: "Settings | Mapping[str, Any] | None" = None) -> "Settings":
        flush_env = env_seconds("PY_TRACKER_FLUSH_INTERVAL", 0.25)
        if flush_env is None:
            raise UsageError(f"PY_TRACKER_FLUSH_INTERVAL={os.environ.get('PY_TRACKER_FLUSH_INTERVAL')!r}: "
                             f"flushing cannot be turned off; set a number of seconds from 0.01 to 3600")
        s = cls(
            flush_interval=check_interval("flush_interval", flush_env, "PY_TRACKER_FLUSH_INTERVAL") or 0.25,
            strict_steps=_env_bool("PY_TRACKER_STRICT_STEPS", False),
            monitor_interval=env_seconds("PY_TRACKER_MONITOR_INTERVAL", 2.0),
            capture_output=_env_bool("PY_TRACKER_CAPTURE_OUTPUT",
                                     os.environ.get("WANDB_CONSOLE", "").strip().lower() != "off"),
            save_code=_env_bool("PY_TRACKER_SAVE_CODE", True),
            display=_env_bool("PY_TRACKER_DISPLAY", True),
        )
        if s.monitor_interval is not None:
            s.monitor_interval = check_interval("monitor_interval", s.monitor_interval, "PY_TRACKER_MONITOR_INTERVAL")
        if given is None:
            return s
        if isinstance(given, Settings):
            # what the caller set (not the defaults, which would hide the environment), and
            # the W&B settings it carries (`_disable_stats` still turns the monitor off)
            own = {f.name for f in dataclasses.fields(given)} - {"extra"}
            items = {k: getattr(given, k) for k in given._given & own}
            items.update(given.extra)
        elif isinstance(given, Mapping):
            items = dict(given)
        else:
            raise UsageError(f"settings={given!r} is not a dict; pass e.g. settings={{'monitor_interval': 5}}")
        known = [f.name for f in dataclasses.fields(cls) if f.name != "extra"]
        for k, v in items.items():
            source = f"settings[{k!r}]"
            if k in _STATS_OFF:
                s.monitor_interval = None if v else s.monitor_interval
            elif k in INTERVALS:
                setattr(s, k, check_interval(k, v, source))
            elif k in SWITCHES:
                if not isinstance(v, bool):
                    raise UsageError(f"{source}={v!r} is not a bool: {k} must be True or False")
                setattr(s, k, v)
            elif k == "extra":
                if not isinstance(v, Mapping):
                    raise UsageError(f"{source}={v!r} is not a dict")
                s.extra.update(v)
            elif k in WANDB_IGNORED or k.startswith(("x_", "_")):
                s.extra[k] = v  # a W&B setting (or W&B-internal x_/_ one) we accept and ignore
            else:
                raise UsageError(f"unknown setting {k!r} (value {v!r}){_did_you_mean(k, [*known, *WANDB_IGNORED])}; "
                                 f"py_tracker's settings are {', '.join(known)}")
        return s


# W&B's environment variables that fill `init()` arguments the caller left out (W&B's meaning).
# WANDB_DIR names the store root here, as init(dir=...) does.
WANDB_INIT_ENV: dict[str, str] = {
    "project": "WANDB_PROJECT", "entity": "WANDB_ENTITY", "name": "WANDB_NAME", "notes": "WANDB_NOTES",
    "tags": "WANDB_TAGS", "group": "WANDB_RUN_GROUP", "job_type": "WANDB_JOB_TYPE", "id": "WANDB_RUN_ID",
    "resume": "WANDB_RESUME", "dir": "WANDB_DIR", "mode": "WANDB_MODE",
}
_TRUE = ("1", "true", "yes", "on")


def init_env() -> dict[str, Any]:
    """The `init()` arguments W&B's environment variables give, parsed as W&B does.

    WANDB_TAGS is comma-separated; WANDB_DISABLED=true means mode "disabled";
    WANDB_CONFIG_PATHS (comma-separated YAML files) appears as "config_paths";
    WANDB_RESUME=true/false become True/None. PY_TRACKER_MODE/PY_TRACKER_PROJECT win over
    their WANDB_ twins. Only variables that are set appear.
    """
    out: dict[str, Any] = {}
    for arg, var in WANDB_INIT_ENV.items():
        raw = os.environ.get(var)
        if raw is None or not raw.strip():
            continue
        raw = raw.strip()
        if arg == "tags":
            out[arg] = [t.strip() for t in raw.split(",") if t.strip()]
        elif arg == "resume" and raw.lower() in _TRUE + ("false", "0", "no", "off"):
            out[arg] = True if raw.lower() in _TRUE else None
        else:
            out[arg] = raw
    for arg in ("mode", "project"):
        mine = os.environ.get(f"PY_TRACKER_{arg.upper()}")
        if mine:
            out[arg] = mine
    if os.environ.get("WANDB_DISABLED", "").strip().lower() in _TRUE:
        out["mode"] = "disabled"
    paths = os.environ.get("WANDB_CONFIG_PATHS")
    if paths and paths.strip():
        out["config_paths"] = [p.strip() for p in paths.split(",") if p.strip()]
    return out


def wandb_silent() -> bool:
    """WANDB_SILENT=true: no messages from the library on the terminal (W&B's meaning)."""
    return os.environ.get("WANDB_SILENT", "").strip().lower() in _TRUE


def wandb_log_model() -> str | bool:
    """WANDB_LOG_MODEL with W&B's meaning: "end" (log the final model), "checkpoint" (every
    checkpoint) or False (off; also "false"/"0"/unset). "true"/"1" mean "end", as in W&B's
    integrations. Anything else is a UsageError naming the variable."""
    raw = os.environ.get("WANDB_LOG_MODEL", "").strip().lower()
    if raw in ("", "false", "0", "no", "off", "none"):
        return False
    if raw in ("true", "1", "yes", "end"):
        return "end"
    if raw == "checkpoint":
        return "checkpoint"
    raise UsageError(f"WANDB_LOG_MODEL={raw!r}: use 'end', 'checkpoint' or 'false'")


def wandb_watch() -> str | bool:
    """WANDB_WATCH with W&B's meaning: "gradients" (default when set to true), "parameters",
    "all", or False ("false"/unset). Anything else is a UsageError naming the variable."""
    raw = os.environ.get("WANDB_WATCH", "").strip().lower()
    if raw in ("", "false", "0", "no", "off", "none"):
        return False
    if raw in ("true", "1", "yes", "gradients"):
        return "gradients"
    if raw in ("parameters", "all"):
        return raw
    raise UsageError(f"WANDB_WATCH={raw!r}: use 'gradients', 'parameters', 'all' or 'false'")


SWEEP_CONTEXT_ENV = "PY_TRACKER_SWEEP_CONTEXT"


def sweep_context_env() -> str | None:
    """PY_TRACKER_SWEEP_CONTEXT: the trial a sweep agent started this process for (JSON, or the
    path of a JSON file; `core.trial` parses it). None when unset or empty."""
    raw = os.environ.get(SWEEP_CONTEXT_ENV)
    return raw if raw and raw.strip() else None


def child_env(**extra: str) -> dict[str, str]:
    """The environment a child process (a trial's command, git) starts with: this process's
    own, plus `extra` (e.g. the trial context and store root a sweep command must see)."""
    env = dict(os.environ)
    env.update(extra)
    return env


STORE_DIR_ENV = "PY_TRACKER_DIR"


def env_text(name: str) -> str | None:
    """Environment variable `name`, stripped; None when unset or blank."""
    raw = os.environ.get(name)
    return raw.strip() if raw is not None and raw.strip() else None


def store_dir_env() -> str | None:
    """PY_TRACKER_DIR: the store root kernels, the server and the CLI share (None: unset)."""
    return env_text(STORE_DIR_ENV)


def project_env() -> str | None:
    """The project the environment names: PY_TRACKER_PROJECT, else W&B's WANDB_PROJECT."""
    return env_text("PY_TRACKER_PROJECT") or env_text("WANDB_PROJECT")


def jupyter_session_env() -> str | None:
    """JPY_SESSION_NAME: the notebook's path, as JupyterLab and VS Code tell their kernels."""
    return env_text("JPY_SESSION_NAME")


def set_env(name: str, value: str) -> None:
    """Set a variable for this process and its children (W&B's `wandb.env.set_project`...)."""
    os.environ[name] = value


@contextmanager
def env_overrides(**values: str) -> Iterator[None]:
    """These variables set while the block runs, the previous values (or none) back after:
    for libraries configured only through their environment (MLflow's reader)."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
