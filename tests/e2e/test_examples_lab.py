"""`jupyter lab examples/` exactly as the README says opens JupyterLab with the py_tracker
sidebar (live, listing the store's runs) and the example notebooks — in a real Chromium."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = ("quickstart.ipynb", "notebook_quickstart.ipynb", "sweep_widget.ipynb")
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def readme_lab_commands() -> list[str]:
    """Every `.venv/bin/jupyter lab ...` command the README shows, in order."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"`(\.venv/bin/jupyter lab[^`]*)`", text)


def as_argv(command: str) -> list[str]:
    """The README's command as argv; `.venv/bin/jupyter` is this interpreter's when the
    checkout has no .venv of its own (a worktree sharing another venv)."""
    argv = shlex.split(command)
    exe = REPO / argv[0]
    argv[0] = str(exe if exe.exists() else Path(sys.executable).with_name("jupyter"))
    return argv


def the_command_for_this_user() -> str:
    cmds = readme_lab_commands()
    plain = [c for c in cmds if "--allow-root" not in c]
    rooted = [c for c in cmds if "--allow-root" in c]
    assert plain and rooted, f"README must show `jupyter lab examples/` and its root form, found {cmds}"
    return rooted[0] if IS_ROOT else plain[0]


def listing_item(page, name: str):
    """The file browser's row for exactly `name` (not every row whose name contains it)."""
    return page.locator(".jp-DirListing-item").filter(has=page.get_by_text(name, exact=True))


@pytest.mark.skipif(not IS_ROOT, reason="the refusal only happens as root")
def test_plain_command_as_root_is_refused_as_the_readme_warns(tmp_path):
    plain = [c for c in readme_lab_commands() if "--allow-root" not in c][0]
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    res = subprocess.run([*as_argv(plain), "--no-browser", "--port=0"], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode != 0
    assert "--allow-root" in res.stdout + res.stderr


@pytest.mark.browser
def test_readme_lab_command_opens_sidebar_and_example_notebooks(lab_launcher, page_on):
    lab = lab_launcher(as_argv(the_command_for_this_user()), REPO)
    page = page_on(lab)
    # the file browser shows the example notebooks (the server's root is examples/)
    for name in NOTEBOOKS:
        item = listing_item(page, name)
        item.wait_for(timeout=30_000)
        assert item.is_visible()
    # a notebook opens from the listing
    listing_item(page, "quickstart.ipynb").dblclick()
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "load_digits" not in page.locator(".jp-NotebookPanel").inner_text():
        time.sleep(0.25)
    assert "load_digits" in page.locator(".jp-NotebookPanel").inner_text()
    # a run made now appears in the sidebar (it reads the same store, live)
    env = {**os.environ, "PY_TRACKER_DIR": str(lab.store),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    subprocess.run([sys.executable, "-c", "import py_tracker as pt; r = pt.init(project='digits', name='readme-run');"
                    " [pt.log({'loss': 1 / (i + 1)}) for i in range(5)]; pt.finish()"],
                   env=env, check=True, timeout=120, cwd=str(lab.store.parent))
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    sidebar = page.locator(".jp-PyTracker-sidebar")
    sidebar.wait_for(state="visible")
    run = sidebar.locator(".jp-PyTracker-runName", has_text="readme-run")
    run.wait_for(timeout=30_000)
    box = run.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 5
