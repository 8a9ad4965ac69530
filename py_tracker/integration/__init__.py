"""Framework callbacks that record into py_tracker (W&B's `wandb.integration.*` names)."""
