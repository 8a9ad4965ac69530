"""`wandb.env`: W&B's environment variable names and setters (transformers' sweep helper uses them)."""
from __future__ import annotations

from ...settings import env_text, set_env

PROJECT = "WANDB_PROJECT"
ENTITY = "WANDB_ENTITY"
MODE = "WANDB_MODE"
DIR = "WANDB_DIR"


def set_project(value: str) -> None:
    set_env(PROJECT, value)


def set_entity(value: str) -> None:
    set_env(ENTITY, value)


def get_project(default: str | None = None) -> str | None:
    return env_text(PROJECT) or default
