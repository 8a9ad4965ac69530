"""What the store reader raises, mapped to HTTP statuses by the handlers."""
from __future__ import annotations

from ..errors import TrackerError


class NotFound(TrackerError, LookupError):
    """No such run, sweep or file (HTTP 404)."""


class Conflict(TrackerError, RuntimeError):
    """The request does not fit the object's state, e.g. stopping a finished run (HTTP 409)."""


class BadRequest(TrackerError, ValueError):
    """A query parameter or body field is malformed; the message says how to fix it (HTTP 400)."""
