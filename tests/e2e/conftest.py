"""Reusable real-browser fixtures: a JupyterLab server with py_tracker's server and
lab extensions, on a temporary store, driven by the system Chromium via Playwright.

    def test_x(lab, page):            # page is already on JupyterLab, app loaded
        lab.write_notebook("t.ipynb", ["import py_tracker as pt", ...])
        lab.open(page, "t.ipynb"); lab.run_all(page)        # not awaited: cells may block
        lab.api("runs", project="p")                         # the REST API, with the token
        lab.screenshot(page, "name")                         # -> test-artifacts/e2e/name.png

`lab` is module-scoped (one server per test module, ~5 s to start); `page` is a
fresh browser context per test. Every wait is bounded. Tests using these are
marked `@pytest.mark.browser`; they skip when Chromium or the built extension
is missing. Settings follow shared/notes/jupyter-stack.md (flags, no news toast).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("PY_TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
BUILT = REPO / "py_tracker" / "labextension" / "static" / "style.js"
START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_built() -> None:
    """Build the labextension once if the tree has no build output (needs node + jlpm)."""
    if BUILT.exists():
        return
    jlpm = shutil.which("jlpm") or str(Path(sys.executable).with_name("jlpm"))
    if not Path(jlpm).exists() or not shutil.which("node"):
        pytest.skip("py_tracker/labextension is not built and node/jlpm are missing: run `jlpm build`")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    subprocess.run([jlpm, "install"], cwd=REPO, env=env, check=True, timeout=600)
    subprocess.run([jlpm, "build"], cwd=REPO, env=env, check=True, timeout=600)


@dataclass
class Lab:
    """A running JupyterLab: `url` (ends in /), `token`, `root_dir` (notebooks), `store`
    (the PY_TRACKER_DIR the server and its kernels use)."""

    url: str
    token: str
    root_dir: Path
    store: Path
    log: Path
    proc: subprocess.Popen = field(repr=False)

    def lab_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?reset&token={self.token}"

    def request(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """Call the server (`path` relative to the base URL) with the token; JSON in and out."""
        qs = ("?" + urllib.parse.urlencode(params)) if params else ""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path + qs, data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def api(self, path: str, **params: Any) -> Any:
        """GET py_tracker's REST API: lab.api("runs", project="p")."""
        return self.request("GET", f"py-tracker/api/v1/{path}", **params)

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        """A notebook of code cells in the server's root dir."""
        nb = {"nbformat": 4, "nbformat_minor": 5,
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
              "cells": [{"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
                         "outputs": [], "source": src} for i, src in enumerate(cells)]}
        path = self.root_dir / name
        path.write_text(json.dumps(nb))
        return path

    def open(self, page: Any, name: str, timeout: float = 60.0) -> None:
        """Open a notebook and wait until its kernel is idle."""
        page.evaluate("p => window.jupyterapp.commands.execute('docmanager:open', {path: p})", name)
        page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout * 1000)
        page.wait_for_function(
            "() => { const w = window.jupyterapp.shell.currentWidget;"
            " return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel"
            " && w.sessionContext.session.kernel.connectionStatus === 'connected'; }",
            timeout=timeout * 1000)

    def run_all(self, page: Any) -> None:
        """Run every cell of the current notebook without waiting (cells may block)."""
        page.evaluate("() => { void window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

    def wait_json(self, page: Any, name: str, timeout: float = 90.0) -> Any:
        """The JSON a notebook cell writes to `name` in the root dir, once the file parses: a
        cell's `open(...).write(...)` creates the file empty first, and a read between the two
        would see nothing."""
        path = self.root_dir / name
        deadline = time.monotonic() + timeout
        while True:
            try:
                return json.loads(path.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                if time.monotonic() > deadline:
                    raise
            page.wait_for_timeout(250)

    def run_with_sidebar(self, page: Any, name: str, cells: list[str]) -> None:
        """Show py_tracker's sidebar, then write the notebook `name` of `cells`, open it and run
        every cell (without waiting for them)."""
        page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
        page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")
        self.write_notebook(name, cells)
        self.open(page, name)
        self.run_all(page)

    def open_run_view(self, page: Any, run_name: str, run_id: str) -> Any:
        """Click the finished run `run_name` in the sidebar; returns its run view (a locator)."""
        row = page.locator(".jp-PyTracker-runRow[data-state='finished']").filter(
            has=page.locator(".jp-PyTracker-runName", has_text=run_name))
        row.wait_for(timeout=60_000)
        row.locator(".jp-PyTracker-runName").click()
        view = page.locator(f"#py-tracker-run-{run_id}")
        view.wait_for(timeout=20_000)
        return view

    def screenshot(self, page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path))
        return path


def _wait_ready(lab: Lab) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({lab.proc.returncode}); see {lab.log}:\n"
                               + lab.log.read_text()[-3000:])
        try:
            lab.request("GET", "api/status")
            lab.api("projects")
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"JupyterLab did not answer within {START_TIMEOUT} s; see {lab.log}")


def lab_dirs(base: Path) -> dict[str, Path]:
    """Fresh store, config, data, runtime, settings and workspaces dirs under `base` (no news toast)."""
    dirs = {k: base / k for k in ("root", "store", "config", "data", "runtime", "settings", "workspaces", "labext")}
    for d in dirs.values():
        d.mkdir()
    notif = dirs["settings"] / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True)
    (notif / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return dirs


@contextlib.contextmanager
def running_lab(argv: list[str], cwd: Path, dirs: dict[str, Path], root_dir: Path,
                env_extra: dict[str, str] | None = None) -> Iterator[Lab]:
    """Start JupyterLab as `argv` (a `jupyter lab ...` command line) in `cwd`, add the options a
    test needs (port, token, loopback, no browser, `window.jupyterapp`), wait until py_tracker's
    API answers, and stop the whole process group afterwards."""
    token = "e2e-" + os.urandom(8).hex()
    port = _free_port()
    env = {**os.environ,
           "PY_TRACKER_DIR": str(dirs["store"]), "JUPYTER_CONFIG_DIR": str(dirs["config"]),
           "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]), "JUPYTERLAB_SETTINGS_DIR": str(dirs["settings"]),
           "JUPYTERLAB_WORKSPACES_DIR": str(dirs["workspaces"]),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           **(env_extra or {})}
    log = dirs["root"].parent / f"jupyterlab-{port}.log"
    cmd = [*argv, "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
           f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    lab = Lab(url=f"http://127.0.0.1:{port}/", token=token, root_dir=root_dir, store=dirs["store"],
              log=log, proc=proc)
    try:
        _wait_ready(lab)
        yield lab
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log, ARTIFACTS / log.name)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab with py_tracker (server + lab extension), PY_TRACKER_DIR on a temp store."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    _ensure_built()
    dirs = lab_dirs(tmp_path_factory.mktemp("lab"))
    (dirs["labext"] / "py_tracker").symlink_to(REPO / "py_tracker" / "labextension")
    (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"py_tracker": True}},
        "LabServerApp": {"extra_labextensions_path": [str(dirs["labext"])]},
    }))
    argv = [sys.executable, "-m", "jupyterlab", "--allow-root", f"--ServerApp.root_dir={dirs['root']}"]
    with running_lab(argv, dirs["root"], dirs, dirs["root"]) as lab:
        yield lab


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """The system Chromium (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@contextlib.contextmanager
def lab_page(browser: Any, lab: Lab) -> Iterator[Any]:
    """A fresh page on `lab` (workspace reset), app started. `page.dialogs` lists any
    alert/confirm the page raised (an XSS would show up there)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.dialogs = []  # type: ignore[attr-defined]

    def on_dialog(d: Any) -> None:
        pg.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()

    pg.on("dialog", on_dialog)
    try:
        pg.goto(lab.lab_url(), wait_until="domcontentloaded")
        pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=60_000)
        pg.evaluate("() => window.jupyterapp.started")
        pg.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, lab: Lab, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page on the module's JupyterLab (see `lab_page`); a failed test leaves a screenshot."""
    with lab_page(browser, lab) as pg:
        yield pg
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            lab.screenshot(pg, f"FAILED-{request.node.name}")


@pytest.fixture
def page_on(browser: Any) -> Iterator[Any]:
    """`page_on(lab)`: a fresh page on a lab of the test's own (see `lab_page`), closed at teardown."""
    with contextlib.ExitStack() as stack:
        yield lambda lab: stack.enter_context(lab_page(browser, lab))


@pytest.fixture
def lab_launcher(tmp_path: Path) -> Iterator[Any]:
    """`launch(argv, cwd)` starts JupyterLab from a command line of the caller's (as a user
    types it) on fresh dirs and a temp store; everything started is stopped at teardown."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with contextlib.ExitStack() as stack:
        def launch(argv: list[str], cwd: Path) -> Lab:
            dirs = lab_dirs(Path(tempfile.mkdtemp(dir=tmp_path)))
            return stack.enter_context(running_lab(argv, cwd, dirs, cwd))
        yield launch


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    """Remember each phase's report on the item so `page` can screenshot failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
