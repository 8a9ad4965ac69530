"""What a run was made with: installed packages, machine, program, git state, notebook cells.

`write_run_environment()` writes the run's `requirements.txt` and
`metadata.json`; it reads package metadata files directly (no pip
subprocess) and asks git with short timeouts, so it takes tens of
milliseconds and can run in a background thread at init.
`code_cells()` returns the notebook cells executed so far (IPython only).
"""
from __future__ import annotations

import datetime as _dt
import getpass
import importlib.metadata as _md
import json
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .settings import child_env, jupyter_session_env
from .storage.atomic import atomic_write
from .storage.paths import safe_join

GIT_TIMEOUT_S = 1.0
SESSION_HISTORY = "code/_session_history.ipynb"


# -- packages -------------------------------------------------------------------------
def _name_version(dist: _md.Distribution) -> tuple[str | None, str | None]:
    """Name and version from the metadata file's header (much faster than `dist.metadata`)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    name = version = None
    for line in text.splitlines():
        if not line:
            break  # the header ends at the first blank line
        if name is None and line.startswith("Name:"):
            name = line[5:].strip()
        elif version is None and line.startswith("Version:"):
            version = line[8:].strip()
        if name and version:
            break
    return name, version


def installed_distributions() -> list[tuple[str, str]]:
    """(name, version) of every importable distribution, first on sys.path wins, sorted by name."""
    seen: dict[str, tuple[str, str]] = {}
    for dist in _md.distributions():
        try:
            name, version = _name_version(dist)
        except (OSError, UnicodeDecodeError):
            continue
        if not name or not version:
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        seen.setdefault(key, (name, version))
    return [seen[k] for k in sorted(seen)]


def requirements_text() -> str:
    """`name==version` lines, as pip freeze would print them for regular installs."""
    return "".join(f"{n}=={v}\n" for n, v in installed_distributions())


# -- git --------------------------------------------------------------------------------
def _git(args: list[str], cwd: str, timeout: float) -> subprocess.CompletedProcess | None:
    env = child_env(GIT_OPTIONAL_LOCKS="0", GIT_TERMINAL_PROMPT="0", LC_ALL="C")
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None  # no git, or too slow: the fields are simply left out


def strip_credentials(url: str) -> str:
    """A remote URL without any user:password@ part (tokens must not land in metadata)."""
    parts = urlsplit(url)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def git_info(cwd: str | os.PathLike[str] | None = None, timeout: float = GIT_TIMEOUT_S) -> dict[str, Any]:
    """{"root", "commit", "branch", "remote", "dirty"} for the repo holding `cwd`; {} outside one.

    Fields git cannot answer (no commits yet, no remote, timeout) are omitted.
    `dirty` counts tracked files only, like W&B (untracked files do not make a repo dirty).
    """
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    head = _git(["rev-parse", "--show-toplevel", "HEAD", "--abbrev-ref", "HEAD"], where, timeout)
    if head is None:
        return {}
    lines = head.stdout.split("\n")
    if not lines or not lines[0] or not os.path.isabs(lines[0]):
        return {}
    info: dict[str, Any] = {"root": lines[0]}
    if head.returncode == 0 and len(lines) >= 3:
        info["commit"] = lines[1]
        if lines[2] and lines[2] != "HEAD":  # "HEAD" means detached
            info["branch"] = lines[2]
    remotes = _git(["config", "--get-regexp", r"^remote\..*\.url$"], where, timeout)
    if remotes is not None and remotes.returncode == 0:
        urls = dict(line.split(" ", 1) for line in remotes.stdout.splitlines() if " " in line)
        url = urls.get("remote.origin.url") or next(iter(urls.values()), None)
        if url:
            info["remote"] = strip_credentials(url)
    if "commit" in info:
        status = _git(["status", "--porcelain", "--untracked-files=no"], where, timeout)
        if status is not None and status.returncode == 0:
            info["dirty"] = bool(status.stdout.strip())
    return info


# -- program / notebook -----------------------------------------------------------------
def _ipython() -> Any:
    """The running IPython shell, without importing IPython when the program never did."""
    if "IPython" not in sys.modules:
        return None
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def notebook_path() -> str | None:
    """The notebook this kernel runs, when the front end says so (JupyterLab, VS Code)."""
    env = jupyter_session_env()
    if env:
        return env
    ip = _ipython()
    if ip is not None:
        for name in ("__session__", "__vsc_ipynb_file__"):
            value = ip.user_ns.get(name)
            if isinstance(value, str) and value:
                return value
    return None


def _kernel_id() -> str | None:
    try:
        if "ipykernel" not in sys.modules:
            return None
        from ipykernel import get_connection_file
        name = os.path.basename(get_connection_file())
    except Exception:
        return None
    return name[len("kernel-"):-len(".json")] if name.startswith("kernel-") and name.endswith(".json") else None


def detect_program() -> str | None:
    """The notebook path in a kernel, else the script (absolute), else None (REPL, `-c`)."""
    nb = notebook_path()
    if nb:
        return nb
    if _ipython() is not None:
        return None
    arg0 = sys.argv[0] if sys.argv else ""
    if arg0 and arg0 != "-c" and os.path.exists(arg0):
        return os.path.abspath(arg0)
    return None


# -- metadata ---------------------------------------------------------------------------
def collect_metadata(*, started_at: float, program: str | None = None,
                     cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The run's metadata dict (W&B's wandb-metadata.json names where they exist)."""
    import psutil

    from .monitor.gpu import GpuCollector

    meta: dict[str, Any] = {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "executable": sys.executable,
        "os": platform.platform(),
        "host": socket.gethostname(),
        "cpu_count": psutil.cpu_count(logical=False) or os.cpu_count(),
        "cpu_count_logical": os.cpu_count(),
        "memory": {"total": psutil.virtual_memory().total},
        "startedAt": _dt.datetime.fromtimestamp(started_at, _dt.timezone.utc).isoformat(),
        "started_at": started_at,
        "cwd": os.fspath(cwd) if cwd is not None else os.getcwd(),
        "args": list(sys.argv),
    }
    try:
        meta["username"] = getpass.getuser()
    except (KeyError, OSError):
        pass
    nb = notebook_path()
    meta["notebook"] = nb is not None or _ipython() is not None
    if nb:
        meta["notebook_path"] = nb
    kid = _kernel_id()
    if kid:
        meta["kernel_id"] = kid
    prog = program or detect_program()
    if prog:
        meta["program"] = prog
    gpu = GpuCollector()
    try:
        devices = gpu.devices()
        if devices:
            meta["gpu"] = devices[0].get("name")
            meta["gpu_count"] = len(devices)
            meta["gpu_devices"] = devices
            driver = gpu.driver_version()
            if driver:
                meta["gpu_driver"] = driver
        elif gpu.reason:
            meta["gpu_status"] = gpu.reason  # why no GPU is listed
    finally:
        gpu.close()
    git = git_info(meta["cwd"])
    if git:
        meta["git"] = git
    return meta


def write_run_environment(files_dir: str | os.PathLike[str], *, started_at: float,
                          program: str | None = None) -> dict[str, Any]:
    """Write `requirements.txt` and `metadata.json` into `files_dir`; return the metadata."""
    files_dir = Path(files_dir)
    files_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(safe_join(files_dir, "requirements.txt"), requirements_text())
    meta = collect_metadata(started_at=started_at, program=program)
    atomic_write(safe_join(files_dir, "metadata.json"),
                  json.dumps(meta, indent=2, sort_keys=True, default=str) + "\n")
    return meta


# -- notebook cells ---------------------------------------------------------------------
def _input_history(ip: Any) -> list:
    hist = getattr(getattr(ip, "history_manager", None), "input_hist_raw", None)
    return hist if hist is not None else ip.user_ns.get("In", [])


def current_execution_count() -> int | None:
    """Execution count of the cell running now (IPython), else None. Record it at init.

    Read from the input history (the running cell is stored before it executes)
    because `shell.execution_count` is already the next count in IPython 9 but
    still the current one in IPython 8.
    """
    ip = _ipython()
    if ip is None:
        return None
    return max(0, len(_input_history(ip)) - 1)


def code_cells(since: int | None = None) -> list[dict[str, Any]]:
    """Cells executed so far in this IPython session: [{"execution_count", "source"}], oldest first.

    `since` keeps cells with execution_count >= since (e.g. the count at init).
    Outside IPython: [].
    """
    ip = _ipython()
    if ip is None:
        return []
    hist = _input_history(ip)
    return [{"execution_count": i, "source": src} for i, src in enumerate(hist)
            if i > 0 and (since is None or i >= since) and isinstance(src, str) and src.strip()]


def write_code_cells(files_dir: str | os.PathLike[str], since: int | None = None) -> str | None:
    """Save `code_cells(since)` as a notebook (`code/_session_history.ipynb`, as W&B names it).

    Returns the file's name relative to `files_dir`, or None when there is nothing to save.
    """
    cells = code_cells(since)
    if not cells:
        return None
    nb = {
        "cells": [{"cell_type": "code", "execution_count": c["execution_count"], "id": f"cell-{c['execution_count']}",
                   "metadata": {}, "outputs": [], "source": c["source"].splitlines(keepends=True)}
                  for c in cells],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python", "version": platform.python_version()}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    path = safe_join(files_dir, SESSION_HISTORY)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(nb, indent=1) + "\n")
    return SESSION_HISTORY
