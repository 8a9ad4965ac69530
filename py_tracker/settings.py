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
    capture_output: record stdout/stderr/logging into the run's output.log.
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
            capture_output=_env_bool("PY_TRACKER_CAPTURE_OUTPUT", True),
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
