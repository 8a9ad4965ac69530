"""Logged images and histograms of one run over its steps, as the sidebar's run view shows them
(its Media tab): GET runs/<id>/media.

The history endpoint (`py_tracker.server.series`) sends numeric columns only; media values are
dicts (see `py_tracker.media`): ``image-file``, ``images`` (a list of image-file items) and
``histogram`` (``bins`` edges + ``values`` counts). The run's summary names the keys that hold
them, so only those columns (and ``_step``) are decoded. The history file is opened only after
`Confinement.check` (a history leading out of the store is refused, not read); image paths are
sent as stored (relative to the run's files folder) for the TS to fetch through the confined,
authenticated files endpoint ``runs/<id>/files/<path>``.

The pure part (which keys hold media, which steps are kept, captions once) lives in
`py_tracker.media.stepped`, shared with reports.

A key with more than MAX_STEPS logged values is sent at MAX_STEPS evenly spaced steps (the
first and the newest included) and says so in ``logged``: nothing is dropped without a word.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import PathEscapeError
from ..media.stepped import (
    HISTOGRAM_TYPE,
    IMAGE_TYPES,
    histogram_of,
    image_items,
    media_keys,
    media_series,
)
from ..storage import history as hist
from ..storage.paths import Confinement

MAX_STEPS = 500
__all__ = ["HISTOGRAM_TYPE", "IMAGE_TYPES", "MAX_STEPS", "histogram_of", "image_items", "media_docs", "media_keys"]


def media_docs(summary: Any, history_path: Path, confine: Confinement) -> list[dict[str, Any]]:
    """One document per media key (sorted by key): ``{"key", "kind", "steps", "images",
    "histograms", "logged", "error"}`` (see `py_tracker.media.stepped.media_series`), at most
    MAX_STEPS steps per key; `error` also says why the history could not be read (an unreadable
    or refused history keeps each key listed, with the reason)."""
    kinds = media_keys(summary)
    if not kinds:
        return []
    try:
        _, cols = hist.read_columns(confine.check(history_path), set(kinds) | {"_step"})
    except PathEscapeError as exc:
        return _failed(kinds, f"history file refused: {exc}")
    except (OSError, ValueError) as exc:
        return _failed(kinds, f"could not read the run's history: {exc}")
    return media_series(kinds, cols, MAX_STEPS)


def _failed(kinds: dict[str, str], why: str) -> list[dict[str, Any]]:
    return [{"key": k, "kind": kinds[k], "steps": [], "images": [], "histograms": [], "logged": 0, "error": why}
            for k in sorted(kinds)]
