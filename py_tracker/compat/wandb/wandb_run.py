"""`wandb.wandb_run.Run`: py_tracker's Run (Lightning checks `isinstance(run, Run)`)."""
from py_tracker.facade.run import Run

__all__ = ["Run"]
