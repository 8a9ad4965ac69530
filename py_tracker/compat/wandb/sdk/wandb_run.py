"""`wandb.sdk.wandb_run.Run`: py_tracker's Run."""
from py_tracker.facade.run import Run

__all__ = ["Run"]
