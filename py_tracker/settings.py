"""Settings of a run: defaults < environment variables < `init(settings=...)`."""
from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

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


@dataclass
class Settings:
    """Knobs of a run. Each has an environment variable (PY_TRACKER_<NAME upper>).

    flush_interval: seconds between background flushes (data durable on disk within it).
    heartbeat_interval: seconds between heartbeats (a dead writer shows as crashed).
    catalog_interval: seconds between summary/config saves to the catalog.
    strict_steps: raise (instead of warn) when log() gets a step lower than the current one.
    monitor_interval: seconds between system samples; None or 0 turns the monitor off.
    capture_output: record stdout/stderr/logging into the run's output.log (WANDB_CONSOLE=off: no).
    save_code: record the notebook cells / script that ran the run.
    display: show the live panel under the cell in a notebook.
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

    @classmethod
    def resolve(cls, given: "Settings | Mapping[str, Any] | None" = None) -> "Settings":
        s = cls(
            flush_interval=env_seconds("PY_TRACKER_FLUSH_INTERVAL", 0.25) or 0.25,
            strict_steps=_env_bool("PY_TRACKER_STRICT_STEPS", False),
            monitor_interval=env_seconds("PY_TRACKER_MONITOR_INTERVAL", 2.0),
            capture_output=_env_bool("PY_TRACKER_CAPTURE_OUTPUT",
                                     os.environ.get("WANDB_CONSOLE", "").strip().lower() != "off"),
            save_code=_env_bool("PY_TRACKER_SAVE_CODE", True),
            display=_env_bool("PY_TRACKER_DISPLAY", True),
        )
        if given is None:
            return s
        items = dataclasses.asdict(given) if isinstance(given, Settings) else dict(given)
        known = {f.name for f in dataclasses.fields(cls)}
        for k, v in items.items():
            if k == "_disable_stats" or k == "x_disable_stats":
                s.monitor_interval = None if v else s.monitor_interval
            elif k in known:
                if k == "monitor_interval" and (v is None or v is False or v == 0):
                    v = None
                setattr(s, k, v)
            else:
                s.extra[k] = v  # W&B settings we accept and ignore (e.g. start_method)
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
