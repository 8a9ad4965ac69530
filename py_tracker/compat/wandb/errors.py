"""`wandb.errors`: W&B's exception names, as py_tracker error classes."""
from __future__ import annotations

from py_tracker.errors import TrackerError, UsageError as _Usage

# `wandb.Error` is the base of every W&B error; here it is py_tracker's base, so
# `except wandb.Error` also catches what py_tracker raises (NoActiveRunError, StorageError...).
Error = TrackerError


class UsageError(_Usage):
    """Bad arguments (a py_tracker UsageError, hence also a ValueError)."""


class CommError(TrackerError):
    """W&B raises this when its server is unreachable; there is no server here, so it is never raised."""


class AuthenticationError(CommError):
    """Never raised: there is no account."""
