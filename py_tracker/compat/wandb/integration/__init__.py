"""`wandb.integration`: framework callbacks (keras)."""
