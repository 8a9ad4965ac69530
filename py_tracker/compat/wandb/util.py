"""`wandb.util`: the helpers integrations and scripts call (py_tracker.util)."""
from __future__ import annotations

from py_tracker.util import *  # noqa: F401,F403
from py_tracker.util import generate_id, get_module, make_artifact_name_safe  # noqa: F401
