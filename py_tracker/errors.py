"""Exceptions raised by py_tracker.

Every user-facing mistake gets its own class so callers (and the magics, the
server, the CLI) can tell a bad argument from a damaged store.
"""
from __future__ import annotations


class TrackerError(Exception):
    """Base class of every py_tracker error."""


class UsageError(TrackerError, ValueError):
    """The caller passed something py_tracker cannot accept; the message says how to fix it."""


class NoActiveRunError(TrackerError, RuntimeError):
    """A module-level call (`log`, `config`, `summary`...) was made before `init()`."""


class RunFinishedError(TrackerError, RuntimeError):
    """A call was made on a run that has already finished."""


class StorageError(TrackerError, OSError):
    """The store could not be read or written (disk full, damaged file...)."""


class PathEscapeError(TrackerError, ValueError):
    """A user-supplied path would leave the folder it must stay in."""


class RunStopped(BaseException):
    """Raised by `log()` when someone asked the run to stop (Stop button, sidebar, sweep).

    It derives from BaseException, like KeyboardInterrupt, so that a training
    loop's ``except Exception`` does not swallow the request.
    """
