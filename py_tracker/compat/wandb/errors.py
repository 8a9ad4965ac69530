"""`wandb.errors`: W&B's exception names, which are py_tracker's own (py_tracker.errors)."""
from __future__ import annotations

from py_tracker.errors import (AuthenticationError, CommError, Error, TrackerError, UnsupportedError,  # noqa: F401
                               UsageError)
