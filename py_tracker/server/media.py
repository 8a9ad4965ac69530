"""Logged images and histograms of one run over its steps, as the sidebar's run view shows them
(its Media tab): GET runs/<id>/media.

The history endpoint (`py_tracker.server.series`) sends numeric columns only; media values are
dicts (see `py_tracker.media`): ``image-file``, ``images`` (a list of image-file items) and
``histogram`` (``bins`` edges + ``values`` counts). The run's summary names the keys that hold
them, so only those columns (and ``_step``) are decoded. The history file is opened only after
`Confinement.check` (a history leading out of the store is refused, not read); image paths are
sent as stored (relative to the run's files folder) for the TS to fetch through the confined,
authenticated files endpoint ``runs/<id>/files/<path>``.

A key with more than MAX_STEPS logged values is sent at MAX_STEPS evenly spaced steps (the
first and the newest included) and says so in ``logged``: nothing is dropped without a word.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import PathEscapeError
from ..storage import history as hist
from ..storage.paths import Confinement

MAX_STEPS = 500
IMAGE_TYPES = ("image-file", "images")
HISTOGRAM_TYPE = "histogram"


def media_keys(summary: Any) -> dict[str, str]:
    """{key: "images" | "histogram"} for each summary value that is a logged image, image list
    or histogram."""
    out: dict[str, str] = {}
    if not isinstance(summary, dict):
        return out
    for key, value in summary.items():
        kind = value.get("_type") if isinstance(value, dict) else None
        if kind in IMAGE_TYPES:
            out[str(key)] = "images"
        elif kind == HISTOGRAM_TYPE:
            out[str(key)] = "histogram"
    return out


def image_items(value: Any) -> list[dict[str, Any]] | None:
    """The images of one logged value as ``[{"path", "caption", "width", "height"}]``; None when
    `value` is no image. Each caption comes once: an image list keeps its captions both on the
    items and beside them (``captions``), the item's wins and the list's fills a missing one."""
    if not isinstance(value, dict):
        return None
    if value.get("_type") == "image-file":
        items, captions = [value], []
    elif value.get("_type") == "images":
        items, captions = list(value.get("items") or []), list(value.get("captions") or [])
    else:
        return None
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("path"), str):
            continue
        caption = item.get("caption")
        if caption is None and i < len(captions):
            caption = captions[i]
        out.append({"path": item["path"], "caption": None if caption is None else str(caption),
                    "width": item.get("width"), "height": item.get("height")})
    return out


def histogram_of(value: Any) -> dict[str, list[float]] | None:
    """``{"bins", "values"}`` of a logged histogram (len(bins) == len(values) + 1); None otherwise."""
    if not (isinstance(value, dict) and value.get("_type") == HISTOGRAM_TYPE):
        return None
    try:
        values = [float(v) for v in value.get("values") or []]
        bins = [float(b) for b in value.get("bins") or []]
    except (TypeError, ValueError):
        return None
    if not values or len(bins) != len(values) + 1:
        return None
    return {"bins": bins, "values": values}


def _spaced(n: int, most: int) -> list[int]:
    """Up to `most` indices of range(n), evenly spaced, first and last included."""
    if n <= most:
        return list(range(n))
    return sorted({round(float(i)) for i in np.linspace(0, n - 1, most)})


def media_docs(summary: Any, history_path: Path, confine: Confinement) -> list[dict[str, Any]]:
    """One document per media key (sorted by key): ``{"key", "kind", "steps", "images",
    "histograms", "logged", "error"}``. `steps` are the logged steps (at most MAX_STEPS),
    `images[i]` the images of `steps[i]` (kind "images") or `histograms[i]` its histogram (kind
    "histogram"); `logged` counts every logged value of the key; `error` says why a value could
    not be read (an unreadable history keeps each key listed, with the reason)."""
    kinds = media_keys(summary)
    if not kinds:
        return []
    docs = {k: {"key": k, "kind": kind, "steps": [], "images": [], "histograms": [], "logged": 0,
                "error": None} for k, kind in kinds.items()}
    try:
        n, cols = hist.read_columns(confine.check(history_path), set(kinds) | {"_step"})
    except PathEscapeError as exc:
        for doc in docs.values():
            doc["error"] = f"history file refused: {exc}"
        return sorted(docs.values(), key=lambda d: d["key"])
    except (OSError, ValueError) as exc:
        for doc in docs.values():
            doc["error"] = f"could not read the run's history: {exc}"
        return sorted(docs.values(), key=lambda d: d["key"])
    steps = cols.get("_step")
    for key, doc in docs.items():
        col = cols.get(key)
        if col is None:
            continue
        rows = [i for i in range(n) if col[i] is not None and not (isinstance(col[i], float) and np.isnan(col[i]))]
        # a value of another kind under this key (a number, a broken dict) is counted in `bad` below
        doc["logged"] = len(rows)
        bad = 0
        for i in (rows[j] for j in _spaced(len(rows), MAX_STEPS)):
            step = int(steps[i]) if steps is not None and not np.isnan(steps[i]) else i
            if doc["kind"] == "images":
                items = image_items(col[i])
                if items is None:
                    bad += 1
                    continue
                doc["images"].append(items)
            else:
                h = histogram_of(col[i])
                if h is None:
                    bad += 1
                    continue
                doc["histograms"].append(h)
            doc["steps"].append(step)
        if bad:
            what = "images" if doc["kind"] == "images" else "histograms"
            doc["error"] = f"{bad} logged value(s) of {key!r} are not {what} and are not shown"
    return sorted(docs.values(), key=lambda d: d["key"])
