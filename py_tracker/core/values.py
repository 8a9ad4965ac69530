"""Turning what users pass to `log`/`config` into plain JSON-able values.

Kept free of numpy/torch imports: a value is recognised by its class's module,
so `import py_tracker` stays fast and works without either installed.
"""
from __future__ import annotations

from typing import Any

from ..storage.jsonsafe import json_safe, storable_problem

__all__ = ["PLAIN", "scalar", "config_value", "log_values", "json_safe", "storable_problem", "check_storable"]

PLAIN = frozenset({int, float, bool, str, type(None)})
# JSON as stored (orjson) holds ints from -2**63 to 2**64 - 1; a wider int would make every
# later write of the record fail, so it is refused where it enters, naming its key.
INT_MIN, INT_MAX = -(1 << 63), (1 << 64) - 1


def wide_int(key: str, v: int, where: str) -> TypeError:
    """The error for an int that does not fit in 64 bits (`where`: "config value", "log()")."""
    return TypeError(f"{where} {key!r} is {v}, an int wider than 64 bits, which the store cannot keep; "
                     f"store it as str(value) (or as a float if approximate is fine)")


def _is_array_like(v: Any) -> bool:
    mod = type(v).__module__ or ""
    return mod.startswith(("numpy", "torch", "jax", "tensorflow"))


def scalar(v: Any) -> Any:
    """numpy/torch scalars and 0-d arrays/tensors -> Python numbers; else returns v unchanged."""
    if _is_array_like(v):
        shape = getattr(v, "shape", None)
        if shape is not None and len(shape) == 0 or shape is None:
            item = getattr(v, "item", None)
            if item is not None:
                try:
                    return item()
                except Exception:  # e.g. a tensor that requires a device sync that fails
                    return v
        elif shape is not None and _numel(shape) == 1 and type(v).__module__.startswith("torch"):
            return v.item()
    return v


def _numel(shape: Any) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


def config_value(v: Any, path: str = "") -> Any:
    """Normalize a config value: nested mappings kept, sequences as lists, scalars plain.

    Raises TypeError naming the key for values that cannot be stored as JSON.
    """
    c = type(v)
    if c in PLAIN:
        if c is int and not INT_MIN <= v <= INT_MAX:
            raise wide_int(path or "<value>", v, "config value")
        return v
    v = scalar(v)
    if type(v) in PLAIN:
        return config_value(v, path) if type(v) is int else v
    if isinstance(v, dict) or hasattr(v, "items") and hasattr(v, "keys"):
        return {str(k): config_value(x, f"{path}.{k}" if path else str(k)) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [config_value(x, f"{path}[{i}]") for i, x in enumerate(v)]
    if _is_array_like(v) and hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, (bytes, bytearray)):
        return v.decode("utf-8", "replace")
    import enum
    import os
    if isinstance(v, enum.Enum):
        return config_value(v.value, path)
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    if hasattr(v, "__dict__") and type(v).__name__ == "Namespace":
        return config_value(vars(v), path)
    raise TypeError(f"config value {path or '<value>'!r} has type {type(v).__name__}, which cannot be "
                    f"stored; use a number, string, bool, None, list or dict (e.g. str(value))")


def log_values(data: dict, prefix: str = "") -> tuple[dict, bool]:
    """Normalize a `log()` dict: (plain values and media objects, whether media was found).

    numpy/torch scalars become numbers, nested dicts are kept (flattened later),
    media-like values (py_tracker.Image..., big arrays) become Media objects,
    small arrays become lists. Anything else raises TypeError naming the key.
    """
    out = {}
    media = False
    for k, v in data.items():
        if not isinstance(k, str):
            raise TypeError(f"log() keys must be str; got key {prefix}{k!r} of type {type(k).__name__}")
        key = f"{prefix}{k}"
        if v.__class__ in PLAIN:
            out[k] = v  # an int wider than 64 bits is stored as a float, with a warning naming it
        elif isinstance(v, dict):
            out[k], m = log_values(v, key + ".")
            media = media or m
        else:
            value, m = _log_value(key, v)
            row_key = getattr(value, "row_key", None)
            if row_key is not None:  # a chart (wandb.plot.*): its table goes under "<key>_table", as W&B
                rk = row_key(key)
                out[rk[len(prefix):] if rk.startswith(prefix) else rk] = value
            else:
                out[k] = value
            media = media or m
    return out, media


def _log_value(key: str, v: Any) -> tuple[Any, bool]:
    v2 = scalar(v)
    if v2.__class__ in PLAIN:
        return v2, False
    try:
        from ..media import coerce
    except ImportError:  # pragma: no cover - media is part of the package
        coerce = None
    media = coerce(v) if coerce is not None else None
    if media is not None:
        return media, True
    if isinstance(v, (list, tuple)) and all(x.__class__ in PLAIN for x in v):
        return list(v), False
    if hasattr(v, "tolist") and _is_array_like(v):
        return v.tolist(), False  # small arrays (<= 32 values) are kept as lists, as W&B does
    raise TypeError(f"log(): value of {key!r} has type {type(v).__module__}.{type(v).__qualname__}, "
                    f"which cannot be logged. Log a number, bool, str, nested dict, numpy/torch "
                    f"scalar or a media object (py_tracker.Image, Histogram, Table). Nothing of this "
                    f"log() call was recorded; the run goes on.")


def check_storable(v: Any, key: str) -> None:
    """Raise TypeError naming `key` when `v` (walked through dicts/lists) holds a value JSON
    on disk cannot hold: an int beyond 64 bits or a string with a lone surrogate.

    For callers that prefer refusing such a value up front (config values, before they
    reach the catalog) to storing it changed, as `json_safe` does on the write paths.
    """
    if v.__class__ is dict:
        for k, x in v.items():
            check_storable(x, f"{key}.{k}" if key else str(k))
        return
    if v.__class__ in (list, tuple):
        for i, x in enumerate(v):
            check_storable(x, f"{key}[{i}]")
        return
    problem = storable_problem(v)
    if problem is not None:
        hint = "use float(value) or str(value)" if v.__class__ is int else "clean the string (e.g. .encode('utf-8', 'replace').decode())"
        raise TypeError(f"value of {key or '<value>'!r} {problem} and cannot be stored; {hint}")
