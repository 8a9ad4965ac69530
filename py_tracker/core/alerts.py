"""`wandb.alert`: a notice a run raises for whoever watches it (W&B sends it to Slack or e-mail;
offline it is recorded in the run's catalog record under "alerts", shown in the run panel's
header and returned by the server to the sidebar).

Each alert is ``{"title", "text", "level", "at"}``. As W&B, an alert with the same title
within `wait_duration` seconds of the previous one is not raised again.
"""
from __future__ import annotations

import enum
import time
from typing import Any

from ..errors import UsageError

MAX_ALERTS = 100  # the record keeps the newest ones; older ones are dropped from it


class AlertLevel(str, enum.Enum):
    """W&B's alert levels."""

    INFO = "INFO"
    WARN = "WARN"
    ERROR = "ERROR"


def make_alert(title: str, text: str, level: Any = None, wait_duration: Any = None) -> tuple[dict, float]:
    """(the alert dict, the wait in seconds), validated with W&B's rules."""
    if not isinstance(title, str) or not title:
        raise UsageError(f"alert(title=...) must be a non-empty string; got {title!r}")
    if not isinstance(text, str):
        raise UsageError(f"alert(text=...) must be a string; got {type(text).__name__}")
    if level is None:
        level = AlertLevel.INFO
    try:
        level = AlertLevel(level.value if isinstance(level, AlertLevel) else str(level).upper())
    except ValueError:
        raise UsageError(f"alert(level={level!r}): use AlertLevel.INFO, AlertLevel.WARN or AlertLevel.ERROR") from None
    if not wait_duration:
        wait = 60.0  # W&B: `wait_duration or timedelta(minutes=1)`, so 0 also means a minute
    elif hasattr(wait_duration, "total_seconds"):
        wait = float(wait_duration.total_seconds())
    elif isinstance(wait_duration, (int, float)) and not isinstance(wait_duration, bool) and wait_duration >= 0:
        wait = float(wait_duration)
    else:
        raise UsageError(f"alert(wait_duration={wait_duration!r}): give seconds (an int or float) or a timedelta")
    return {"title": title, "text": text, "level": level.value, "at": time.time()}, wait


def add_alert(record: dict, alert: dict, wait: float) -> bool:
    """Append `alert` to the record's alerts unless the same title was raised within `wait` s."""
    alerts = record.setdefault("alerts", [])
    last = next((a for a in reversed(alerts) if a.get("title") == alert["title"]), None)
    if last is not None and alert["at"] - float(last.get("at") or 0) < wait:
        return False
    alerts.append(alert)
    del alerts[:-MAX_ALERTS]
    return True
