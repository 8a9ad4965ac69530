"""py_tracker: experiment tracking that lives inside Jupyter."""
