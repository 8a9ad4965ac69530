"""write_run_environment with real files and real git repos; code_cells with a real IPython shell."""
from __future__ import annotations

import importlib.metadata as md
import json
import os
import subprocess
import sys
import time

import pytest

from py_tracker.environment import (code_cells, current_execution_count, git_info,
                                    installed_distributions, strip_credentials,
                                    write_code_cells, write_run_environment)

GIT = ["git", "-c", "user.email=t@example.com", "-c", "user.name=Tester", "-c", "init.defaultBranch=main"]


def git(cwd, *args):
    subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, timeout=20)


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    (root / "train.py").write_text("print('hi')\n")
    git(root, "add", "train.py")
    git(root, "commit", "-q", "-m", "first")
    git(root, "remote", "add", "origin", "https://user:s3cret-token@example.com/team/proj.git")
    return root


def test_requirements_match_importlib_metadata(tmp_path):
    meta = write_run_environment(tmp_path, started_at=1_700_000_000.0)
    lines = (tmp_path / "requirements.txt").read_text().splitlines()
    assert lines and all(line.count("==") == 1 for line in lines)
    assert lines == sorted(lines, key=lambda l: l.split("==")[0].lower().replace("_", "-").replace(".", "-"))
    for pkg in ("psutil", "tinydb", "pytest"):
        assert f"{pkg}=={md.version(pkg)}" in lines
    assert len(lines) == len(installed_distributions())
    on_disk = json.loads((tmp_path / "metadata.json").read_text())
    assert on_disk == json.loads(json.dumps(meta))
    assert meta["python"] == ".".join(map(str, sys.version_info[:3]))
    assert meta["cpu_count_logical"] == os.cpu_count() and meta["host"]
    assert meta["startedAt"].startswith("2023-11-14T22:13:20")
    assert meta["memory"]["total"] > 0 and "os" in meta
    if "gpu_devices" in meta:
        assert meta["gpu_count"] == len(meta["gpu_devices"])
    else:
        assert meta["gpu_status"]  # says why, e.g. no NVIDIA driver
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_fast_enough_for_init(tmp_path):
    write_run_environment(tmp_path / "warm", started_at=time.time())
    t0 = time.perf_counter()
    write_run_environment(tmp_path / "a", started_at=time.time(), program="train.py")
    took = time.perf_counter() - t0
    assert took < 0.5, took


def test_clean_repo(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(repo)
    info = git_info()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert info == {"root": str(repo), "commit": head, "branch": "main", "dirty": False,
                    "remote": "https://example.com/team/proj.git"}
    (repo / "untracked.txt").write_text("x")
    assert git_info()["dirty"] is False  # untracked files do not count, as in W&B
    meta = write_run_environment(tmp_path / "files", started_at=time.time(), program="train.py")
    assert meta["git"]["commit"] == head and meta["program"] == "train.py"
    assert "s3cret" not in (tmp_path / "files" / "metadata.json").read_text()


def test_dirty_repo_and_detached_head(repo):
    (repo / "train.py").write_text("print('changed')\n")
    assert git_info(repo)["dirty"] is True
    git(repo, "checkout", "-q", "--detach")
    info = git_info(repo)
    assert "branch" not in info and len(info["commit"]) == 40


def test_repo_without_commits_and_outside_repos(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    git(empty, "init", "-q")
    assert git_info(empty) == {"root": str(empty)}
    outside = tmp_path / "plain"
    outside.mkdir()
    env_ceiling = os.environ.get("GIT_CEILING_DIRECTORIES")
    os.environ["GIT_CEILING_DIRECTORIES"] = str(tmp_path)
    try:
        assert git_info(outside) == {}
    finally:
        if env_ceiling is None:
            del os.environ["GIT_CEILING_DIRECTORIES"]
        else:
            os.environ["GIT_CEILING_DIRECTORIES"] = env_ceiling


def test_no_git_binary_means_no_git_fields(tmp_path, monkeypatch, repo):
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    assert git_info(repo) == {}


@pytest.mark.parametrize("url, clean", [
    ("https://u:tok@host/x.git", "https://host/x.git"),
    ("https://host/x.git", "https://host/x.git"),
    ("git@github.com:o/r.git", "git@github.com:o/r.git"),
    ("ssh://git@host:22/r.git", "ssh://host:22/r.git"),
])
def test_strip_credentials(url, clean):
    assert strip_credentials(url) == clean


def test_notebook_path_from_jupyter_env(tmp_path, monkeypatch):
    monkeypatch.setenv("JPY_SESSION_NAME", "/home/me/experiments/train.ipynb")
    meta = write_run_environment(tmp_path, started_at=time.time())
    assert meta["program"] == meta["notebook_path"] == "/home/me/experiments/train.ipynb"
    assert meta["notebook"] is True


def test_code_cells_outside_ipython_is_empty(tmp_path):
    if "IPython" in sys.modules:
        from IPython import get_ipython
        if get_ipython() is not None:
            pytest.skip("an IPython shell is active in this process")
    assert code_cells() == [] and current_execution_count() is None
    assert write_code_cells(tmp_path) is None


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    sh = InteractiveShell.instance(config=cfg)
    yield sh
    sh.history_manager.end_session()
    InteractiveShell.clear_instance()


def test_code_cells_in_a_real_ipython_shell(shell, tmp_path):
    shell.run_cell("x = 1", store_history=True)
    shell.run_cell("import py_tracker.environment as env\nsince = env.current_execution_count()",
                   store_history=True)
    shell.run_cell("for i in range(3):\n    x += i", store_history=True)
    shell.run_cell("cells = env.code_cells(since)", store_history=True)
    assert shell.user_ns["since"] == 2
    cells = shell.user_ns["cells"]
    assert [c["execution_count"] for c in cells] == [2, 3, 4]
    assert cells[1]["source"] == "for i in range(3):\n    x += i"
    everything = code_cells()
    assert everything[0] == {"execution_count": 1, "source": "x = 1"}
    name = write_code_cells(tmp_path, since=3)
    nb = json.loads((tmp_path / name).read_text())
    assert name == "code/_session_history.ipynb" and nb["nbformat"] == 4
    assert [c["execution_count"] for c in nb["cells"]] == [3, 4]
    assert "".join(nb["cells"][0]["source"]) == "for i in range(3):\n    x += i"
    meta = write_run_environment(tmp_path / "files", started_at=time.time())
    assert meta["notebook"] is True and "program" not in meta
