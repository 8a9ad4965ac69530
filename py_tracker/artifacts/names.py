"""Validation of artifact names, types, aliases and paths, and parsing of "project/name:alias".

Names and aliases end up in file names, URLs and HTML; they are restricted to
`^[A-Za-z0-9_.-]+$` so none of those needs escaping tricks. Paths inside an
artifact are relative POSIX paths that cannot leave the artifact's folder.
"""
from __future__ import annotations

import posixpath
import re

from ..errors import PathEscapeError, UsageError

NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
VERSION_RE = re.compile(r"^v(\d+)$")
LATEST = "latest"


def check_name(name: object, what: str = "artifact name") -> str:
    if not isinstance(name, str) or not NAME_RE.match(name) or name in (".", ".."):
        raise UsageError(f"{what} {name!r} is not valid: use letters, digits, '_', '-' and '.', "
                         f"e.g. 'mnist-train' or 'resnet_50.v2'")
    return name


def check_type(type_: object) -> str:
    return check_name(type_, "artifact type")


def check_alias(alias: object) -> str:
    check_name(alias, "artifact alias")
    assert isinstance(alias, str)
    if VERSION_RE.match(alias):
        raise UsageError(f"alias {alias!r} looks like a version number; versions are assigned "
                         f"automatically (v0, v1, ...). Pick another alias, e.g. 'best'.")
    return alias


def check_aliases(aliases: object) -> list[str]:
    """A list of custom aliases ("latest" is managed automatically and dropped here)."""
    if aliases is None:
        return []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, (list, tuple, set)):
        raise UsageError(f"aliases must be a list of strings, e.g. ['best']; got {aliases!r}")
    out: list[str] = []
    for a in aliases:
        check_alias(a)
        if a != LATEST and a not in out:
            out.append(a)
    return out


def entry_path(name: object) -> str:
    """Normalize a path inside an artifact; refuse absolute paths and '..'."""
    if not isinstance(name, str) or not name.strip():
        raise UsageError(f"a path inside an artifact must be a non-empty string; got {name!r}")
    if "\x00" in name:
        raise PathEscapeError(f"artifact path {name!r} contains a NUL byte")
    p = name.replace("\\", "/")
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        raise PathEscapeError(f"artifact path {name!r} is absolute; give a path relative to the artifact")
    parts = [s for s in p.split("/") if s not in ("", ".")]
    if any(s == ".." for s in parts):
        raise PathEscapeError(f"artifact path {name!r} contains '..'; it must stay inside the artifact")
    if not parts:
        raise UsageError(f"artifact path {name!r} names no file")
    return posixpath.join(*parts)


def parse_ref(ref: str, default_project: str | None = None) -> tuple[str | None, str, str]:
    """'[entity/]project/name[:alias|:vN]' or 'name[:alias]' -> (project, name, alias_or_version).

    Without a version or alias the reference means 'latest'.
    """
    if not isinstance(ref, str) or not ref:
        raise UsageError(f"artifact reference must be a string like 'project/name:latest'; got {ref!r}")
    path, _, alias = ref.partition(":")
    alias = alias or LATEST
    parts = [p for p in path.split("/") if p]
    if not parts or len(parts) > 3:
        raise UsageError(f"cannot read artifact reference {ref!r}; use 'name', 'name:alias', "
                         f"'project/name:v1' or 'entity/project/name:alias'")
    name = check_name(parts[-1])
    project = parts[-2] if len(parts) >= 2 else default_project
    if project is not None:
        check_name(project, "project name")
    check_name(alias, "artifact alias or version")
    return project, name, alias
