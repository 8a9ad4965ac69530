"""The collector interface: one small object per kind of system reading.

A collector turns the machine's state into a flat dict of W&B-named keys
("system.cpu", "system.gpu.0.temp", ...). It does no scheduling, no I/O
beyond reading the system, and never raises: anything it cannot read is
simply left out of the dict. The thread that calls collectors lives in
`py_tracker.monitor.thread`, so collectors stay testable as plain calls.
"""
from __future__ import annotations

import logging

logger = logging.getLogger("py_tracker")

# Reasons already logged in this process: each is reported once, not every sample.
_reported: set[str] = set()


def report_once(key: str, message: str, level: int = logging.INFO) -> bool:
    """Log `message` the first time `key` is seen in this process; return whether it logged."""
    if key in _reported:
        return False
    _reported.add(key)
    logger.log(level, message)
    return True


def reset_reports() -> None:
    """Forget which reasons were logged (tests, or a user who wants the line again)."""
    _reported.clear()


class Collector:
    """Contract: `sample()` returns a dict of "system.*" keys to numbers; it never raises.

    Counters that are reported "since start" take their baseline when the
    collector is constructed. `close()` releases whatever the collector holds
    (a library handle); it is safe to call more than once.
    """

    def sample(self) -> dict[str, float]:
        raise NotImplementedError

    def close(self) -> None:
        """Release resources; the default holds none."""
