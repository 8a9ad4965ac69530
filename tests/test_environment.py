"""write_run_environment with real files and real git repos; code_cells with a real IPython shell."""
from __future__ import annotations

import importlib.metadata as md
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

import py_tracker.environment as env
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


def test_no_git_binary_means_only_what_the_files_say(tmp_path, monkeypatch, repo):
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    # HEAD, refs and config are read from files; whether the index differs from HEAD needs
    # git once, so without it `dirty` is left out rather than guessed
    assert git_info(repo) == {"root": str(repo), "commit": head, "branch": "main",
                              "remote": "https://example.com/team/proj.git"}


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


# --- git read from the repository's files, checked against git itself ---------------------
def _agree(where):
    files, from_git = git_info(where), env._git_info_subprocess(os.fspath(where), 5.0)
    assert files == from_git
    return files


def test_file_reader_agrees_with_git(repo, tmp_path):
    assert _agree(repo)["dirty"] is False
    (repo / "lib.py").write_text("x = 1\n")
    git(repo, "add", "lib.py")
    assert _agree(repo)["dirty"] is True  # staged, not committed
    git(repo, "commit", "-q", "-m", "lib")
    assert _agree(repo)["dirty"] is False
    (repo / "lib.py").write_text("x = 2\n")
    assert _agree(repo)["dirty"] is True  # changed in the work tree
    (repo / "lib.py").write_text("x = 1\n")
    assert _agree(repo)["dirty"] is False  # changed back: same content, newer mtime
    os.chmod(repo / "lib.py", 0o755)
    assert _agree(repo)["dirty"] is True  # mode change
    os.chmod(repo / "lib.py", 0o644)
    (repo / "lib.py").unlink()
    assert _agree(repo)["dirty"] is True  # a tracked file deleted
    git(repo, "checkout", "-q", "--", "lib.py")
    sub = repo / "pkg"
    sub.mkdir()
    assert _agree(sub)["root"] == str(repo)  # from a folder inside the repo
    git(repo, "pack-refs", "--all")  # refs only in packed-refs
    assert not (repo / ".git" / "refs" / "heads" / "main").exists()
    assert _agree(repo)["branch"] == "main"
    git(repo, "checkout", "-q", "-b", "feature/x")
    assert _agree(repo)["branch"] == "feature/x"
    git(repo, "checkout", "-q", "--detach")
    assert "branch" not in _agree(repo)
    git(repo, "checkout", "-q", "main")
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(wt), "-b", "side")
    assert (wt / ".git").is_file()  # a gitdir: file, refs and config in the common dir
    info = _agree(wt)
    assert info["branch"] == "side" and info["root"] == str(wt) and info["dirty"] is False
    (wt / "train.py").write_text("print('side')\n")
    assert _agree(wt)["dirty"] is True


def test_clean_repo_needs_no_git_process_once_seen(repo, monkeypatch):
    calls = []
    real = env._git

    def counting(args, cwd, timeout):
        calls.append(args[0])
        return real(args, cwd, timeout)
    monkeypatch.setattr(env, "_git", counting)
    assert git_info(repo)["dirty"] is False
    assert calls == ["diff-index"]  # index vs HEAD, asked once per (HEAD, index file)
    calls.clear()
    (repo / "train.py").write_text("print('hi')\n")  # touched, same content: hashed, not asked
    assert git_info(repo)["dirty"] is False and git_info(repo)["dirty"] is False
    assert calls == []


def test_attributes_leave_dirty_to_git(repo, monkeypatch):
    (repo / ".gitattributes").write_text("*.py text eol=crlf\n")
    git(repo, "add", ".gitattributes")
    git(repo, "commit", "-q", "-m", "attrs")
    (repo / "train.py").write_text("print('hi')\n")  # stat differs; with eol rules only git can tell
    calls = []
    real = env._git
    monkeypatch.setattr(env, "_git", lambda a, c, t: calls.append(a[0]) or real(a, c, t))
    assert _agree(repo)["dirty"] == git_info(repo)["dirty"]
    assert "status" in calls


def test_git_environment_variables_go_to_git(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("GIT_DIR", str(repo / ".git"))
    monkeypatch.setenv("GIT_WORK_TREE", str(repo))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert git_info(elsewhere)["root"] == str(repo)  # git's own answer: the env points at the repo


# --- the package list, cached per sys.path state ---------------------------------------
def _dist(folder, name, version):
    d = folder / f"{name}-{version}.dist-info"
    d.mkdir()
    (d / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n\nbody\n")


def test_package_list_cache_follows_installs(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    _dist(site, "pt-probe-a", "1.0")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setattr(env, "_requirements_memo", None)
    cache = tmp_path / "cache"
    text = env.requirements_text(cache)
    assert "pt-probe-a==1.0\n" in text and text == "".join(f"{n}=={v}\n" for n, v in installed_distributions())
    [cached] = cache.glob("requirements-*.txt")
    assert cached.read_text() == text
    # a fresh process (no memo) reads the store's copy instead of the metadata files
    monkeypatch.setattr(env, "_requirements_memo", None)
    cached.write_text(text + "from-the-cache==1\n")
    assert env.requirements_text(cache).endswith("from-the-cache==1\n")
    # installing a package changes its folder's mtime, hence the key: the list is read again
    time.sleep(0.01)
    _dist(site, "pt-probe-b", "2.0")
    text2 = env.requirements_text(cache)
    assert "pt-probe-b==2.0\n" in text2 and "from-the-cache" not in text2
    assert len(list(cache.glob("requirements-*.txt"))) == 2
    # uninstalling too
    shutil.rmtree(site / "pt-probe-a-1.0.dist-info")
    assert "pt-probe-a" not in env.requirements_text(cache)
