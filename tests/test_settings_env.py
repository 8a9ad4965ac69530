"""`settings` is the one module that touches the process environment.

The scan reads every module's syntax tree: `os.environ`, `os.getenv`, `os.putenv`,
`os.unsetenv` (or those names imported) anywhere but `py_tracker/settings.py` fail it.
There is no exception: a child process's environment is `settings.child_env(...)`, W&B's
`wandb.env` setters call `settings.set_env`, and MLflow's reader is configured through
`settings.env_overrides`. The resolvers are then checked against the real environment.
"""
from __future__ import annotations

import ast
from pathlib import Path

import py_tracker as pt
from py_tracker import settings
from py_tracker.compat.wandb import env as wandb_env
from py_tracker.storage.paths import default_root

PKG = Path(pt.__file__).parent
ENV_NAMES = {"environ", "getenv", "putenv", "unsetenv", "environb"}


def env_uses(source: str) -> list[int]:
    """Lines of `source` that read or write the process environment."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ENV_NAMES:
            lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and any(a.name in ENV_NAMES for a in node.names):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_scanner_finds_environment_reads():
    src = "import os\nfrom os import environ\nx = os.environ.get('A')\ny = os.getenv('B')\nos.environ['C'] = '1'\n"
    assert env_uses(src) == [2, 3, 4, 5]


def test_only_settings_touches_the_environment():
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel == Path("settings.py"):
            continue
        offenders += [f"{rel}:{line}" for line in env_uses(path.read_text())]
    assert offenders == [], f"read environment variables through py_tracker.settings: {offenders}"


def test_the_resolvers_read_the_real_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PY_TRACKER_DIR", str(tmp_path / "s"))
    assert settings.store_dir_env() == str(tmp_path / "s") and default_root() == tmp_path / "s"
    monkeypatch.setenv("PY_TRACKER_DIR", "  ")
    assert settings.store_dir_env() is None and default_root() == Path.home() / ".py_tracker"

    monkeypatch.delenv("PY_TRACKER_PROJECT", raising=False)
    monkeypatch.setenv("WANDB_PROJECT", "wb")
    assert settings.project_env() == "wb" and wandb_env.get_project() == "wb"
    monkeypatch.setenv("PY_TRACKER_PROJECT", "mine")
    assert settings.project_env() == "mine"  # py_tracker's own name wins over its W&B twin
    monkeypatch.delenv("WANDB_PROJECT")
    assert wandb_env.get_project("dflt") == "dflt"
    wandb_env.set_project("viaenv")  # W&B's setter: visible to this process and its children
    assert settings.env_text("WANDB_PROJECT") == "viaenv" and settings.child_env()["WANDB_PROJECT"] == "viaenv"

    monkeypatch.setenv("KEEP", "old")
    monkeypatch.delenv("NEW_ONE", raising=False)
    with settings.env_overrides(KEEP="tmp", NEW_ONE="x"):
        assert (settings.env_text("KEEP"), settings.env_text("NEW_ONE")) == ("tmp", "x")
    assert (settings.env_text("KEEP"), settings.env_text("NEW_ONE")) == ("old", None)
    assert settings.child_env(EXTRA="1")["EXTRA"] == "1" and settings.env_text("EXTRA") is None


def test_sweep_and_init_take_the_project_and_store_from_wandb_variables(store, monkeypatch, tmp_path):
    monkeypatch.delenv("PY_TRACKER_PROJECT", raising=False)
    monkeypatch.setenv("WANDB_PROJECT", "from-env")
    sid = pt.sweep({"method": "grid", "parameters": {"a": {"values": [1]}}})
    assert pt.Api().sweep(sid).project == "from-env"
    monkeypatch.setenv("WANDB_DIR", str(tmp_path / "wdir"))
    run = pt.init(settings={"monitor_interval": None, "display": False})
    run.finish()
    assert run.project == "from-env" and (tmp_path / "wdir" / "runs" / run.id).is_dir()
