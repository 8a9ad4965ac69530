"""py_tracker's version (`py_tracker.__version__`), in a leaf so any layer can read it
without importing the root package (which composes everything above)."""
__version__ = "0.1.0"
