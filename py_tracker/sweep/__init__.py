"""Hyperparameter sweeps: the W&B sweep format, search strategies, hyperband, sweep()/agent()."""
from __future__ import annotations

from .config import SweepConfigError, parse_config

__all__ = ["SweepConfigError", "parse_config"]
