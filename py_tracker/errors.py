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


# W&B's names for its errors (`wandb.Error`, `wandb.errors.*`), so `except wandb.Error` works.
Error = TrackerError


class UnsupportedError(UsageError):
    """A W&B feature that cannot exist offline (teams, cloud reports, launch); the message says
    what to use instead."""


class CommError(TrackerError):
    """W&B raises it when its servers cannot be reached; py_tracker never talks to a server."""


class AuthenticationError(CommError):
    """W&B's login failure; there is no account offline, so py_tracker never raises it."""


class Offline:
    """Stands for a W&B name that has no offline meaning: using it (call or attribute) raises
    UnsupportedError naming what to use instead, while `hasattr`/`getattr(..., None)` probes by
    libraries still see an object and do not fail."""

    def __init__(self, name: str, instead: str):
        self._name, self._instead = name, instead

    def _fail(self) -> UnsupportedError:
        return UnsupportedError(f"{self._name} needs W&B's cloud and has no offline counterpart in py_tracker; "
                                f"{self._instead}")

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise self._fail()

    def __getattr__(self, attr: str) -> None:
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise self._fail()

    def __repr__(self) -> str:
        return f"<offline stand-in for {self._name}>"
