"""The "reproduce" section of a run: config, code that ran, git commit, packages.

Reads what other parts of py_tracker wrote into the run's files folder —
`metadata.json` (program, args, git, python), `code/*` (saved scripts and the
notebook cells as `code/_session_history.ipynb`) and `requirements.txt` —
and renders whatever exists as escaped HTML. Nothing here executes anything.
"""
from __future__ import annotations

import json
import shlex
from html import escape
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 200_000
MAX_CODE_FILES = 20


def _read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str | None:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError:
        return None
    if b"\x00" in data[:4096]:
        return None  # binary
    text = data[:limit].decode("utf-8", "replace")
    return text + ("\n… (truncated)" if len(data) > limit else "")


def _notebook_code(path: Path) -> str | None:
    raw = _read_text(path, 5 * MAX_FILE_BYTES)
    if raw is None:
        return None
    try:
        nb = json.loads(raw)
    except ValueError:
        return raw
    cells = []
    for c in nb.get("cells") or []:
        if c.get("cell_type") == "code":
            src = c.get("source")
            src = "".join(src) if isinstance(src, list) else str(src or "")
            n = c.get("execution_count")
            cells.append(f"# In[{n if n is not None else ' '}]:\n{src}")
    return "\n\n".join(cells)


def code_files(files_dir: Path) -> list[tuple[str, str]]:
    """[(name relative to files/, text)] of the saved code, notebooks as their code cells."""
    base = files_dir / "code"
    if not base.is_dir():
        return []
    out = []
    for p in sorted(base.rglob("*"))[:MAX_CODE_FILES]:
        if not p.is_file():
            continue
        text = _notebook_code(p) if p.suffix == ".ipynb" else _read_text(p)
        if text is not None:
            out.append((p.relative_to(files_dir).as_posix(), text))
    return out


def command(meta: dict) -> str | None:
    """The command line that reruns a script run, when metadata names its program."""
    prog = meta.get("program")
    if not prog or meta.get("notebook"):
        return None
    args = list(meta.get("args") or [])[1:]
    return "python " + " ".join(shlex.quote(str(a)) for a in [prog, *args])


def _kv(rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows if v not in (None, ""))
    return f'<table class="kv">{body}</table>' if body else ""


def section(run: Any, config: dict) -> str:
    """HTML of one run's reproduce block (inside a <details>)."""
    meta: dict = run.metadata or {}
    files_dir = Path(run.dir)
    git = meta.get("git") or {}
    parts = []
    env = _kv([("python", meta.get("python")), ("executable", meta.get("executable")), ("os", meta.get("os")),
               ("host", meta.get("host")), ("started", meta.get("startedAt")),
               ("program", meta.get("program")), ("notebook", meta.get("notebook_path")),
               ("working dir", meta.get("cwd"))])
    if env:
        parts.append("<h4>Environment</h4>" + env)
    if git:
        dirty = git.get("dirty")
        parts.append("<h4>Git</h4>" + _kv([("commit", git.get("commit")), ("branch", git.get("branch")),
                                            ("remote", git.get("remote")),
                                            ("uncommitted changes", None if dirty is None else ("yes" if dirty else "no"))]))
    steps = []
    if git.get("commit"):
        steps.append(f"git checkout {git['commit']}")
    if (files_dir / "requirements.txt").is_file():
        steps.append("pip install -r requirements.txt")
    cmd = command(meta)
    if cmd:
        steps.append(cmd)
    if steps:
        parts.append("<h4>Steps</h4><pre class=\"code\">" + escape("\n".join(steps)) + "</pre>")
    parts.append("<h4>Config</h4><pre class=\"code\">"
                 + escape(json.dumps(config, indent=2, sort_keys=True, default=str)) + "</pre>")
    code = code_files(files_dir)
    if code:
        blocks = "".join(f"<details><summary>{escape(name)}</summary><pre class=\"code\">{escape(text)}</pre></details>"
                         for name, text in code)
        parts.append("<h4>Code</h4>" + blocks)
    elif meta.get("program"):
        parts.append(f"<h4>Code</h4><p>The program was <code>{escape(str(meta['program']))}</code> "
                     f"(not saved with the run; enable <code>save_code</code> to keep a copy).</p>")
    reqs = _read_text(files_dir / "requirements.txt")
    if reqs:
        n = len([line for line in reqs.splitlines() if line.strip() and not line.startswith("#")])
        parts.append(f"<h4>Packages</h4><details><summary>requirements.txt ({n} packages)</summary>"
                     f"<pre class=\"code\">{escape(reqs)}</pre></details>")
    return "\n".join(parts)
