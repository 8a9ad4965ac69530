"""Shapes and texts that every layer shows the same way: nested dicts as dotted keys, and
durations as text. One copy each, so the CLI, the notebook, the report and the history
reader can never disagree (they once had five flatteners and four duration formats)."""
from __future__ import annotations

from typing import Any


def flatten(d: Any, prefix: str = "", out: dict | None = None) -> dict:
    """Nested dicts as dotted keys: {"a": {"b": 1}} -> {"a.b": 1}. A media/table value (a
    dict with "_type") and an empty dict stay whole; anything but a dict gives {}."""
    if out is None:
        out = {}
    if not isinstance(d, dict):
        return out
    for k, v in d.items():
        key = f"{prefix}{k}"
        if v.__class__ is dict and v and "_type" not in v:
            flatten(v, key + ".", out)
        else:
            out[key] = v
    return out


def duration_text(seconds: Any, decimals_under_a_minute: bool = False) -> str:
    """"42s" ("0.8s" with `decimals_under_a_minute`), "4m 05s", "1h 02m 03s"; "" for a
    value that is not a number (a run with no runtime yet). Negative durations read 0s."""
    try:
        value = max(0.0, float(seconds))
    except (TypeError, ValueError):
        return ""
    if value < 60 and decimals_under_a_minute:
        return f"{value:.1f}s"
    s = int(value)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}h {m:02d}m {sec:02d}s" if h else (f"{m}m {sec:02d}s" if m else f"{sec}s")


def imported_text(imported: Any) -> str:
    """"imported from <source>: <path>" for a run made by `py-tracker import` (its record's
    `imported` field), with "(N parts unreadable)" when the source was damaged; "" for a
    run recorded here. The sidebar's TypeScript `importedText` writes the same line."""
    if not isinstance(imported, dict) or not imported.get("source"):
        return ""
    where = imported.get("path") or imported.get("id") or ""
    problems = imported.get("problems")
    bad = len(problems) if isinstance(problems, list) else int(imported.get("problem_count") or 0)
    return (f"imported from {imported['source']}" + (f": {where}" if where else "")
            + (f" ({bad} part{'' if bad == 1 else 's'} unreadable)" if bad else ""))
