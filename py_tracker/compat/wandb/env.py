"""`wandb.env`: W&B's environment variable names and setters (transformers' sweep helper uses them)."""
from __future__ import annotations

import os

PROJECT = "WANDB_PROJECT"
ENTITY = "WANDB_ENTITY"
MODE = "WANDB_MODE"
DIR = "WANDB_DIR"


def set_project(value: str) -> None:
    os.environ[PROJECT] = value


def set_entity(value: str) -> None:
    os.environ[ENTITY] = value


def get_project(default: str | None = None) -> str | None:
    return os.environ.get(PROJECT, default)
