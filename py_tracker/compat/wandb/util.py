"""`wandb.util`: the helpers integrations and scripts call."""
from __future__ import annotations

import re

from py_tracker.core.names import new_id


def generate_id(length: int = 8) -> str:
    """A random run id (W&B's generate_id)."""
    return new_id()[:length] if length <= 8 else new_id() + generate_id(length - 8)


def make_artifact_name_safe(name: str) -> str:
    """Replace characters an artifact name cannot hold with "_" (as W&B)."""
    return re.sub(r"[^a-zA-Z0-9_\-.]", "_", name)[:128]
