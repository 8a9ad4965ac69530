"""Logged images and histograms of one run over its steps, read from its history columns.

Server-independent: the sidebar's Media tab (`py_tracker.server.media`, which opens the history
file through the store's confinement first) and reports (`py_tracker.reporting.media`) both
build on these functions, so a key is found, a step kept and a caption shown by one set of rules.

History values are stored dicts (see `py_tracker.media`): ``image-file``, ``images`` (a list of
image-file items) and ``histogram`` (``bins`` edges + ``values`` counts).
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

IMAGE_TYPES = ("image-file", "images")
HISTOGRAM_TYPE = "histogram"


def kind_of(value: Any) -> str | None:
    """"images" for a logged image or image list, "histogram" for a histogram, else None."""
    kind = value.get("_type") if isinstance(value, dict) else None
    if kind in IMAGE_TYPES:
        return "images"
    if kind == HISTOGRAM_TYPE:
        return "histogram"
    return None


def media_keys(summary: Any) -> dict[str, str]:
    """{key: "images" | "histogram"} for each summary value that is a logged image, image list
    or histogram."""
    out: dict[str, str] = {}
    if not isinstance(summary, dict):
        return out
    for key, value in summary.items():
        kind = kind_of(value)
        if kind is not None:
            out[str(key)] = kind
    return out


def column_media_keys(cols: dict[str, Any]) -> dict[str, str]:
    """{key: kind} of the object columns of a history whose first logged value is media: the
    keys a summary may not name (a summary overwritten by hand, `define_metric(summary="none")`)."""
    out: dict[str, str] = {}
    for key, col in cols.items():
        if getattr(col, "dtype", None) is None or col.dtype.kind != "O":
            continue
        first = next((v for v in col if v is not None), None)
        kind = kind_of(first)
        if kind is not None:
            out[str(key)] = kind
    return out


def image_entries(value: Any) -> list[tuple[dict[str, Any], str | None]] | None:
    """(stored item, caption) of each image of one logged value; None when `value` is no image.
    Each caption comes once: an image list keeps its captions both on the items and beside them
    (``captions``), the item's wins and the list's fills a missing one. The item is the stored
    image-file dict as is (its masks and boxes included)."""
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
        out.append((item, None if caption is None else str(caption)))
    return out


def image_items(value: Any) -> list[dict[str, Any]] | None:
    """The images of one logged value as ``[{"path", "caption", "width", "height"}]`` (captions
    as `image_entries` gives them); None when `value` is no image."""
    entries = image_entries(value)
    if entries is None:
        return None
    return [{"path": item["path"], "caption": caption, "width": item.get("width"), "height": item.get("height")}
            for item, caption in entries]


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


def spaced(n: int, most: int) -> list[int]:
    """Up to `most` indices of range(n), evenly spaced, first and last included."""
    if n <= most:
        return list(range(n))
    if most <= 1:
        return [n - 1] if most == 1 else []
    return sorted({round(float(i)) for i in np.linspace(0, n - 1, most)})


def logged_rows(col: Any) -> list[int]:
    """Indices of the rows of one history column where a value was logged (not None / NaN)."""
    return [i for i, v in enumerate(col) if v is not None and not (isinstance(v, float) and np.isnan(v))]


def step_of(steps: Any, i: int) -> int:
    """The logged ``_step`` of row `i` (the row index when the history has no step)."""
    if steps is None or i >= len(steps):
        return i
    s = steps[i]
    try:
        return i if s is None or np.isnan(float(s)) else int(s)
    except (TypeError, ValueError):
        return i


def stepped_values(col: Any, steps: Any, most: int) -> tuple[int, Iterator[tuple[int, Any]]]:
    """(count of logged values, (step, value) of at most `most` of them, evenly spaced with the
    first and the newest kept) for one history column."""
    rows = logged_rows(col)
    return len(rows), ((step_of(steps, rows[j]), col[rows[j]]) for j in spaced(len(rows), most))


def media_series(kinds: dict[str, str], cols: dict[str, Any], most: int) -> list[dict[str, Any]]:
    """One document per media key of `kinds` (sorted by key): ``{"key", "kind", "steps",
    "images", "histograms", "logged", "error"}``, from history columns (`cols`, with ``_step``).
    `steps` are logged steps (at most `most`), `images[i]` the images of `steps[i]` (kind
    "images", as `image_items`) or `histograms[i]` its histogram (kind "histogram"); `logged`
    counts every logged value of the key; `error` counts values of another kind (not shown)."""
    docs = {k: {"key": k, "kind": kind, "steps": [], "images": [], "histograms": [], "logged": 0,
                "error": None} for k, kind in kinds.items()}
    for key, doc in docs.items():
        col = cols.get(key)
        if col is None:
            continue
        doc["logged"], values = stepped_values(col, cols.get("_step"), most)
        bad = 0
        for step, value in values:
            # a value of another kind under this key (a number, a broken dict) is counted in `bad`
            if doc["kind"] == "images":
                items = image_items(value)
                if items is None:
                    bad += 1
                    continue
                doc["images"].append(items)
            else:
                h = histogram_of(value)
                if h is None:
                    bad += 1
                    continue
                doc["histograms"].append(h)
            doc["steps"].append(step)
        if bad:
            what = "images" if doc["kind"] == "images" else "histograms"
            doc["error"] = f"{bad} logged value(s) of {key!r} are not {what} and are not shown"
    return sorted(docs.values(), key=lambda d: d["key"])


def heatmap_columns(steps: list[int], histograms: list[dict[str, list[float]]]) -> dict[str, np.ndarray]:
    """The rectangles of a histogram heatmap (x = step, y = bin, colour = count normalized per
    step), one column per step: ``{"x", "w", "y", "h", "c", "step", "lo", "hi", "count"}``.

    Each step's column spans from half way to the previous step to half way to the next, so
    columns touch whatever the spacing of the steps; the first and the last column reach as far
    out as their one neighbour is away (the first column is full width, not a 1-step sliver;
    a single step is 1 wide). `y`/`h` are each bin's centre and height, from its own edges."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("x", "w", "y", "h", "c", "step", "lo", "hi", "count")}
    s = np.asarray(steps, dtype=float)
    mid = (s[:-1] + s[1:]) / 2 if len(s) > 1 else np.array([])
    for j, (step, hist) in enumerate(zip(steps, histograms)):
        edges = np.asarray(hist["bins"], dtype=float)
        counts = np.asarray(hist["values"], dtype=float)
        if len(s) == 1:
            left, right = s[0] - 0.5, s[0] + 0.5
        else:
            left = mid[j - 1] if j > 0 else s[0] - (mid[0] - s[0])
            right = mid[j] if j < len(mid) else s[-1] + (s[-1] - mid[-1])
        top = counts.max() if len(counts) and counts.max() > 0 else 1.0
        n = len(counts)
        parts["x"].append(np.full(n, (left + right) / 2))
        parts["w"].append(np.full(n, max(right - left, 1e-9)))
        parts["y"].append((edges[:-1] + edges[1:]) / 2)
        parts["h"].append(np.diff(edges))
        parts["c"].append(counts / top)
        parts["step"].append(np.full(n, int(step)))
        parts["lo"].append(edges[:-1])
        parts["hi"].append(edges[1:])
        parts["count"].append(counts)
    return {k: (np.concatenate(v) if v else np.array([])) for k, v in parts.items()}
