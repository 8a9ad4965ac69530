"""Values JSON on disk cannot hold, and the one way py_tracker turns them into ones it can.

orjson (every file of the store is written with it) refuses two things a user can
easily pass: ints outside 64 bits (`2**70`) and strings holding a lone surrogate
(`"\\ud800"`, e.g. from `os.fsdecode` of a bad file name). Refusing them at write
time would fail a whole batch of rows or a whole catalog write, so the write paths
call `json_safe`, which stores such values in the nearest faithful form (the int as
a float, the string with U+FFFD in place of the surrogate) and says so in a note
naming the key. `storable_problem` is the check for callers that prefer to refuse a
value up front with a clear error (e.g. config values).
"""
from __future__ import annotations

from typing import Any

INT_MIN = -2**63       # orjson writes ints in [-2**63, 2**64 - 1]
INT_MAX = 2**64 - 1


def storable_problem(v: Any) -> str | None:
    """Why a plain scalar cannot be written as JSON, or None when it can."""
    c = v.__class__
    if c is int and not INT_MIN <= v <= INT_MAX:
        return "is an int beyond 64 bits"
    if c is str and not _utf8(v):
        return "is a string holding a lone surrogate (not valid UTF-8)"
    return None


def _utf8(s: str) -> bool:
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def json_safe(v: Any, key: str = "", notes: list[str] | None = None) -> Any:
    """`v` with every value orjson refuses replaced by a storable one (dicts and lists walked).

    Ints beyond 64 bits become floats, strings with lone surrogates get U+FFFD
    instead; for each change a sentence naming `key` (dotted for nested values)
    is appended to `notes`. Values that need no change are returned as they are.
    """
    c = v.__class__
    if c is int:
        if INT_MIN <= v <= INT_MAX:
            return v
        # (no value in the sentence: the run warns once per distinct sentence, so once per key)
        _note(notes, key, "is an int beyond 64 bits; it is stored as a float (e.g. 2**70 -> 1.18e+21)")
        return float(v)
    if c is str:
        if _utf8(v):
            return v
        _note(notes, key, "holds a lone surrogate (not valid UTF-8); it is stored with U+FFFD in its place")
        return _replace_surrogates(v)
    if c is dict:
        out = None
        for k, x in v.items():
            y = json_safe(x, f"{key}.{k}" if key else str(k), notes)
            if y is not x:
                if out is None:
                    out = dict(v)
                out[k] = y
        return v if out is None else out
    if c is list or c is tuple:
        out_l = None
        for i, x in enumerate(v):
            y = json_safe(x, f"{key}[{i}]", notes)
            if y is not x:
                if out_l is None:
                    out_l = list(v)
                out_l[i] = y
        return v if out_l is None else out_l
    return v


def _replace_surrogates(s: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in s)


def _note(notes: list[str] | None, key: str, what: str) -> None:
    if notes is not None:
        notes.append(f"value of {key or '<value>'!r} {what}")
