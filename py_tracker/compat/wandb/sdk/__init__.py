"""`wandb.sdk`: the submodules integrations import from W&B's SDK."""
from py_tracker.facade.run import Run
from py_tracker.settings import Settings

from . import lib, wandb_run

__all__ = ["Run", "Settings", "lib", "wandb_run"]
