"""Turning what users pass to `log`/`config` into plain JSON-able values.

Kept free of numpy/torch imports: a value is recognised by its class's module,
so `import py_tracker` stays fast and works without either installed.
"""
from __future__ import annotations

import math
from typing import Any

PLAIN = frozenset({int, float, bool, str, type(None)})


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
        return v
    v = scalar(v)
    if type(v) in PLAIN:
        return v
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


def is_finite_number(v: Any) -> bool:
    return type(v) in (int, float) and math.isfinite(v)
