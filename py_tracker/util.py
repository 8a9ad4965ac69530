"""`wandb.util`: the helpers W&B's example scripts and integrations call."""
from __future__ import annotations

import importlib
import re
import secrets
import string
from typing import Any

from .errors import UsageError

_ALPHABET = string.ascii_lowercase + string.digits


def generate_id(length: int = 8) -> str:
    """A random run-id-like string of lowercase letters and digits (W&B's)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def get_module(name: str, required: Any = None, lazy: bool = True) -> Any:
    """Import module `name`; when it is missing, None, or (with `required`) an ImportError
    carrying that message."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if required:
            raise ImportError(required if isinstance(required, str) else f"{name} is required") from None
        return None


def make_artifact_name_safe(name: str) -> str:
    """Artifact names hold only letters, digits, '-', '_' and '.'; at most 128 characters (W&B's rule)."""
    cleaned = re.sub(r"[^a-zA-Z0-9_\-.]", "_", str(name))
    return cleaned if len(cleaned) <= 128 else re.sub(r"(^.{63}).*(.{63}$)", r"\g<1>..\g<2>", cleaned)


def to_forward_slash_path(path: str) -> str:
    return str(path).replace("\\", "/")


def get_full_typename(o: Any) -> str:
    """"module.QualName" of an object's type (W&B uses it to recognise torch/matplotlib values)."""
    t = type(o)
    return f"{t.__module__}.{t.__qualname__}"


def is_pytorch_tensor_typename(typename: str) -> bool:
    return typename.startswith("torch.") and ("Tensor" in typename or "Variable" in typename)


def is_matplotlib_typename(typename: str) -> bool:
    return typename.startswith("matplotlib.")


def ensure_matplotlib_figure(obj: Any) -> Any:
    """The matplotlib Figure of a figure, an Axes, or pyplot itself (its current figure)."""
    if getattr(obj, "__name__", "") == "matplotlib.pyplot":
        return obj.gcf()
    if hasattr(obj, "savefig"):
        return obj
    fig = getattr(obj, "figure", None)
    if fig is None or not hasattr(fig, "savefig"):
        raise UsageError(f"{type(obj).__name__} is not a matplotlib figure; pass a Figure, an Axes or pyplot")
    return fig
