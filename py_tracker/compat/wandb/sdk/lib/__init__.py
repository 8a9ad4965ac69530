"""`wandb.sdk.lib`: `RunDisabled` (Lightning) and `config_util` (transformers)."""
from py_tracker.facade.run import DisabledRun as RunDisabled

from . import config_util

__all__ = ["RunDisabled", "config_util"]
