"""`wandb.integration.keras`: Keras 3 callbacks recording into py_tracker (see py_tracker.integration.keras)."""
from py_tracker.integration.keras import WandbMetricsLogger, WandbModelCheckpoint

__all__ = ["WandbMetricsLogger", "WandbModelCheckpoint"]
