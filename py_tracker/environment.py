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
import hashlib
import importlib.metadata as _md
import json
import os
import platform
import re
import socket
import stat as stat_module
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .settings import child_env, env_text, jupyter_session_env
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


def packages_key() -> str:
    """What the package list depends on: every sys.path entry with its mtime (ns).

    Installing, upgrading or removing a distribution adds or removes its `*.dist-info`
    folder (or an `.egg-link`/`.pth`) in one of these folders, which changes that folder's
    mtime; so equal keys mean the same list, and checking costs one stat per entry.
    """
    parts = [sys.executable]
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
            parts.append(f"{entry}\0{st.st_mtime_ns}\0{st.st_ino}")
        except OSError:
            parts.append(f"{entry}\0-")
    return hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


_requirements_memo: tuple[str, str] | None = None  # (packages_key, text) of this process


def requirements_text(cache_dir: str | os.PathLike[str] | None = None) -> str:
    """`name==version` lines, as pip freeze would print them for regular installs.

    Reading ~500 metadata files costs ~40 ms, and the list only changes when a package is
    (un)installed: it is kept per `packages_key()` in this process and, when `cache_dir` is
    given (the store's `cache/`), in a file there that the next process reads instead.
    """
    global _requirements_memo
    key = packages_key()
    memo = _requirements_memo
    if memo is not None and memo[0] == key:
        return memo[1]
    cached = Path(cache_dir) / f"requirements-{key}.txt" if cache_dir is not None else None
    text = None
    if cached is not None:
        try:
            text = cached.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
    if text is None:
        text = "".join(f"{n}=={v}\n" for n, v in installed_distributions())
        if cached is not None:
            try:  # whole file or none (atomic): a reader never sees half a list
                atomic_write(cached, text)
            except OSError:
                pass  # a cache only: the run's own requirements.txt is written either way
    _requirements_memo = (key, text)
    return text


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

    Read from the repository's files (HEAD, refs, packed-refs, config, the index) where
    they are in the plain formats: three git subprocesses cost ~25 ms a run, the files 1-3 ms
    for a few hundred tracked files. Anything unusual (GIT_DIR set, reftable, includes, a
    conflict, a submodule, a file whose stat differs from the index where line-ending or
    filter rules apply) is asked of git itself, so the answer is git's.
    """
    where = os.path.abspath(os.fspath(cwd) if cwd is not None else os.getcwd())
    try:
        repo = GitFiles.find(where)
    except (OSError, ValueError, UnicodeDecodeError, _Unsupported):
        return _git_info_subprocess(where, timeout)
    if repo is None:
        return {}
    try:
        info = repo.info()
    except (OSError, ValueError, UnicodeDecodeError, _Unsupported):
        return _git_info_subprocess(where, timeout)
    if "commit" in info:
        try:
            dirty = repo.dirty(info["commit"], timeout)
        except (OSError, ValueError, struct.error, _Unsupported):  # (a truncated index: struct.error)
            dirty = None
        if dirty is None:
            status = _git(["status", "--porcelain", "--untracked-files=no"], where, timeout)
            if status is not None and status.returncode == 0:
                dirty = bool(status.stdout.strip())
        if dirty is not None:
            info["dirty"] = dirty
    return info


class _Unsupported(Exception):
    """A repository layout the file reader does not handle: ask git."""


# whether the index differs from HEAD's tree, per repo, HEAD commit and index file (mtime_ns, size, ino)
_staged_memo: dict[tuple[str, str, tuple[int, int, int]], bool] = {}  # (top, HEAD, index stat)
_SHA = re.compile(r"^[0-9a-f]{40}$")


class GitFiles:
    """One repository read from its files: `find()` locates it as git would (walking up
    from a folder to a `.git` folder or `gitdir:` file, stopping at GIT_CEILING_DIRECTORIES)."""

    def __init__(self, top: str, gitdir: str, common: str):
        self.top, self.gitdir, self.common = top, gitdir, common

    @classmethod
    def find(cls, where: str) -> "GitFiles | None":
        if any(env_text(v) for v in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE")):
            raise _Unsupported("git environment variables")
        ceilings = {os.path.realpath(c) for c in (env_text("GIT_CEILING_DIRECTORIES") or "").split(os.pathsep) if c}
        d = os.path.realpath(where)
        while True:
            dot = os.path.join(d, ".git")
            if os.path.isdir(dot):
                gitdir = dot
                break
            if os.path.isfile(dot):
                with open(dot, encoding="utf-8") as f:
                    line = f.readline().strip()
                if not line.startswith("gitdir:"):
                    raise ValueError(f"{dot} is not a gitdir file")
                gitdir = os.path.normpath(os.path.join(d, line[len("gitdir:"):].strip()))
                break
            parent = os.path.dirname(d)
            if parent == d or parent in ceilings:
                return None
            d = parent
        common = gitdir
        try:
            with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as f:
                common = os.path.normpath(os.path.join(gitdir, f.read().strip()))
        except FileNotFoundError:
            pass
        return cls(d, gitdir, common)

    def _config(self, path: str | None = None) -> dict[str, dict[str, str]]:
        """Sections of the repo's config (or of the config file `path`), e.g.
        {'remote "origin"': {"url": ...}}; plain format only (includes: _Unsupported)."""
        out: dict[str, dict[str, str]] = {}
        section: dict[str, str] | None = None
        try:
            with open(path or os.path.join(self.common, "config"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return out
        for raw in lines:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                name = line[1:line.index("]")].strip()
                head, _, sub = name.partition(" ")
                key = head.lower() + (" " + sub.strip() if sub else "")
                if head.lower() in ("include", "includeif"):
                    raise _Unsupported("config includes")
                section = out.setdefault(key, {})
                continue
            if section is None or "=" not in line:
                continue
            k, _, v = line.partition("=")
            v = v.strip()
            if v.startswith('"') and v.endswith('"') and len(v) >= 2:
                v = v[1:-1]
            section[k.strip().lower()] = v  # (the last value wins, as for git's single-valued keys)
        core = out.get("core", {})
        ext = out.get("extensions", {})
        if "worktree" in core or ext.get("refstorage", "files") != "files" or \
                ext.get("objectformat", "sha1") != "sha1":
            raise _Unsupported("core.worktree / reftable / sha256")
        return out

    def _ref(self, name: str) -> str | None:
        """The commit a ref names (loose file in the worktree's or the common gitdir, or
        packed-refs); None when it does not exist yet (no commits)."""
        for base in (self.gitdir, self.common):
            try:
                with open(os.path.join(base, *name.split("/")), encoding="utf-8") as f:
                    value = f.read().strip()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                continue
            if value.startswith("ref:"):
                return self._ref(value[4:].strip())
            if not _SHA.match(value):
                raise _Unsupported(f"ref {name} holds {value[:20]!r}")
            return value
        try:
            with open(os.path.join(self.common, "packed-refs"), encoding="utf-8") as f:
                for line in f:
                    if line[:1] in ("#", "^"):
                        continue
                    sha, _, ref = line.strip().partition(" ")
                    if ref == name:
                        return sha
        except FileNotFoundError:
            pass
        return None

    def _filtered(self) -> bool:
        """Whether git may transform files between the index and the work tree (attributes,
        core.autocrlf / eol, filters), so equal contents need not hash equal."""
        if os.path.exists(os.path.join(self.top, ".gitattributes")) or \
                os.path.exists(os.path.join(self.common, "info", "attributes")):
            return True
        xdg = env_text("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        if os.path.exists(os.path.join(xdg, "git", "attributes")):
            return True
        config: dict[str, dict[str, str]] = {}
        for path in ("/etc/gitconfig", os.path.join(xdg, "git", "config"),
                     os.path.join(os.path.expanduser("~"), ".gitconfig"), None):
            for name, values in self._config(path).items():  # (later files win, as in git)
                config.setdefault(name, {}).update(values)
        core = config.get("core", {})
        return core.get("autocrlf", "false").lower() not in ("false", "0", "no", "off") or "eol" in core or \
            "attributesfile" in core or any(k.startswith("filter ") for k in config)

    def info(self) -> dict[str, Any]:
        config = self._config()
        info: dict[str, Any] = {"root": self.top}
        with open(os.path.join(self.gitdir, "HEAD"), encoding="utf-8") as f:
            head = f.read().strip()
        if head.startswith("ref:"):
            ref = head[4:].strip()
            if ref == "refs/heads/.invalid":
                raise _Unsupported("reftable")
            commit = self._ref(ref)
            if commit is not None:
                info["commit"] = commit
                info["branch"] = ref[len("refs/heads/"):] if ref.startswith("refs/heads/") else ref
        elif _SHA.match(head):
            info["commit"] = head  # detached: no branch
        else:
            raise _Unsupported(f"HEAD holds {head[:20]!r}")
        remotes = {k[len("remote "):].strip('"'): v["url"] for k, v in config.items()
                   if k.startswith("remote ") and "url" in v}
        url = remotes.get("origin") or next(iter(remotes.values()), None)
        if url:
            info["remote"] = strip_credentials(url)
        return info

    def dirty(self, commit: str, timeout: float) -> bool | None:
        """Whether tracked files differ from HEAD, or None when only git can tell.

        Clean needs two things. The work tree matches the index: every entry's file has the
        size, mtime, ctime and inode the index recorded, and none was written in the same
        instant as the index ("racy": git would hash it again). And the index matches HEAD:
        asked of git once per (HEAD, index file) and remembered, as staging rewrites the index.
        A deleted tracked file is dirty; any other difference is left to `git status`.
        """
        index = os.path.join(self.gitdir, "index")
        try:
            with open(index, "rb") as f:
                st = os.fstat(f.fileno())
                data = f.read()
        except FileNotFoundError:
            return None
        if data[:4] != b"DIRC" or len(data) < 12:
            raise _Unsupported("not an index file")
        version, count = struct.unpack(">II", data[4:12])
        if version not in (2, 3):
            raise _Unsupported(f"index version {version}")
        index_mtime = (st.st_mtime_ns // 1_000_000_000, st.st_mtime_ns % 1_000_000_000)
        pos = 12
        top = os.fsencode(self.top) + b"/"
        unpack = _ENTRY.unpack_from
        suspects: list[tuple[bytes, bytes, int]] = []  # stat differs or racy: compare contents
        for _ in range(count):
            (cs, cn, ms, mn, _dev, ino, mode, _uid, _gid, size, sha, flags) = unpack(data, pos)
            ext = 2 if version >= 3 and flags & 0x4000 else 0
            if ext and struct.unpack_from(">H", data, pos + 62)[0] & 0x6000:
                return None  # skip-worktree / intent-to-add
            if flags & 0x8000 or (flags >> 12) & 3 or mode & 0o170000 == 0o160000:
                return None  # assume-unchanged, a conflict, a submodule
            name_start = pos + 62 + ext
            name_end = data.index(b"\0", name_start)
            path = top + data[name_start:name_end]  # (bytes: no decoding per entry)
            pos += (62 + ext + (name_end - name_start) + 8) & ~7
            try:
                fst = os.lstat(path)
            except (FileNotFoundError, NotADirectoryError):
                return True  # a tracked file deleted
            if (fst.st_mtime_ns // 1_000_000_000 & 0xFFFFFFFF, fst.st_mtime_ns % 1_000_000_000) != (ms, mn) or \
                    (fst.st_ctime_ns // 1_000_000_000 & 0xFFFFFFFF, fst.st_ctime_ns % 1_000_000_000) != (cs, cn) or \
                    fst.st_size & 0xFFFFFFFF != size or fst.st_ino & 0xFFFFFFFF != ino or \
                    (ms, mn) >= index_mtime:  # (racy: written in the instant the index was)
                if (fst.st_mode & 0o170000) != (mode & 0o170000) or \
                        (mode & 0o170000 == 0o100000 and (fst.st_mode & 0o100) != (mode & 0o100)):
                    return True  # a file became a symlink, or its executable bit changed
                suspects.append((path, sha, fst.st_mode))
        if suspects:
            if self._filtered():
                return None  # line endings / clean filters (LFS): git's answer, not ours
            budget = _HASH_BUDGET
            for path, sha, fmode in suspects:
                if stat_module.S_ISLNK(fmode):
                    body = os.fsencode(os.readlink(path))
                else:
                    with open(path, "rb") as f:
                        body = f.read(budget + 1)
                budget -= len(body)
                if budget < 0:
                    return None  # too much to hash here: ask git
                if hashlib.sha1(b"blob %d\0" % len(body) + body).digest() != sha:
                    return True  # the content differs from the index: `git status` lists it
        while pos + 8 <= len(data) - 20:  # extensions, then the checksum
            sig, length = data[pos:pos + 4], struct.unpack_from(">I", data, pos + 4)[0]
            if sig == b"link":
                return None  # a split index: the entries live in another file
            pos += 8 + length
        key = (self.top, commit, (st.st_mtime_ns, st.st_size, st.st_ino))
        staged = _staged_memo.get(key)
        if staged is None:
            out = _git(["diff-index", "--cached", "--quiet", "HEAD", "--"], self.top, timeout)
            if out is None or out.returncode not in (0, 1):
                return None
            staged = _staged_memo[key] = out.returncode == 1
        return staged


_ENTRY = struct.Struct(">10I20sH")
_HASH_BUDGET = 8 << 20  # bytes of changed-looking files hashed before asking git instead


def _git_info_subprocess(cwd: str | os.PathLike[str] | None = None, timeout: float = GIT_TIMEOUT_S) -> dict[str, Any]:
    """`git_info` asked of git itself (three subprocesses): for what the file reader declines."""
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
_machine_memo: dict[str, Any] | None = None


def machine_info() -> dict[str, Any]:
    """What does not change while a process lives (interpreter, OS, CPUs, memory, GPUs, user):
    probed once per process (NVML alone takes tens of ms to start) and copied into each run."""
    global _machine_memo
    if _machine_memo is not None:
        return _machine_memo
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
    }
    try:
        meta["username"] = getpass.getuser()
    except (KeyError, OSError):
        pass
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
    _machine_memo = meta
    return meta


def collect_metadata(*, started_at: float, program: str | None = None,
                     cwd: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The run's metadata dict (W&B's wandb-metadata.json names where they exist)."""
    meta: dict[str, Any] = _json_copy(machine_info())
    meta.update({
        "host": socket.gethostname(),
        "startedAt": _dt.datetime.fromtimestamp(started_at, _dt.timezone.utc).isoformat(),
        "started_at": started_at,
        "cwd": os.fspath(cwd) if cwd is not None else os.getcwd(),
        "args": list(sys.argv),
    })
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
    git = git_info(meta["cwd"])
    if git:
        meta["git"] = git
    return meta


def _json_copy(value: Any) -> Any:
    """A deep copy of plain JSON data (the memo is shared by every run of the process)."""
    return json.loads(json.dumps(value, default=str))


def write_run_environment(files_dir: str | os.PathLike[str], *, started_at: float,
                          program: str | None = None,
                          cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Write `requirements.txt` and `metadata.json` into `files_dir`; return the metadata.

    `cache_dir` (the store's `cache/`) keeps the package list between processes."""
    files_dir = Path(files_dir)
    files_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(safe_join(files_dir, "requirements.txt"), requirements_text(cache_dir))
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
