"""Run ids (8 characters, like W&B) and readable random names ("brave-river-12")."""
from __future__ import annotations

import random
import re
import secrets
import string

from ..errors import UsageError

_ADJ = ("brave calm eager fancy gentle happy jolly kind lively misty noble proud quiet rapid "
        "shiny silent smooth snowy solar sunny swift vivid wild wise young amber azure bold "
        "cosmic crisp dainty dry dusky earthy floral frosty golden hardy icy lucky").split()
_NOUN = ("river forest mountain ocean meadow canyon breeze comet dawn dune ember field firefly "
         "glade harbor lake leaf moon night pine planet rain reef sky snow star stone storm sun "
         "thunder valley wave wind wood galaxy spark cloud brook").split()

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROJECT_RE = re.compile(r"^[^/\\#?%:\x00-\x1f]{1,128}$")


def new_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))


def new_name(seq: int | None = None) -> str:
    rng = random.SystemRandom()
    n = seq if seq is not None else rng.randint(1, 99)
    return f"{rng.choice(_ADJ)}-{rng.choice(_NOUN)}-{n}"


def check_id(run_id: str) -> str:
    if not isinstance(run_id, str) or not ID_RE.match(run_id):
        raise UsageError(f"run id {run_id!r} is invalid: use 1-64 letters, digits, '_' or '-'")
    return run_id


def check_project(project: str) -> str:
    if not isinstance(project, str) or not PROJECT_RE.match(project) or project.strip() in ("", ".", ".."):
        raise UsageError(f"project name {project!r} is invalid: use 1-128 characters without / \\ # ? % :")
    return project
