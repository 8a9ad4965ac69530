"""`%track` / `%%track`, `%wandb`, their argument parsing, and the training-cell registry."""
