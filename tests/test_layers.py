"""The layering in DESIGN.md, checked mechanically with import-linter (contracts in pyproject.toml)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is not installed; pip install -e '.[test]'")
    res = subprocess.run([exe], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "0 broken" in res.stdout


def test_import_is_light():
    code = ("import sys, py_tracker; heavy = [m for m in ('ipywidgets', 'bokeh', 'pandas', 'IPython', "
            "'numpy', 'torch', 'tornado') if m in sys.modules]; print(heavy)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_contracts_have_no_exceptions():
    """No `ignore_imports` anywhere: the layers hold for every import grimp sees."""
    import tomllib
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    contracts = cfg["contracts"]
    assert all("ignore_imports" not in c for c in contracts), [c["name"] for c in contracts if "ignore_imports" in c]
    kinds = {c["type"] for c in contracts}
    assert kinds == {"layers", "independence", "forbidden"}
    forbidden = next(c for c in contracts if c["type"] == "forbidden")
    assert forbidden["source_modules"] == ["py_tracker.server"]
    assert set(forbidden["forbidden_modules"]) == {"IPython", "ipywidgets", "bokeh"}


def _package_cycles() -> tuple[list[list[str]], list[str]]:
    """Strongly connected components (size > 1) of the graph of py_tracker's packages, and the
    modules that import the root package `py_tracker` itself."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("py_tracker")
    top = {m: ".".join(m.split(".")[:2]) for m in graph.modules}
    edges: dict[str, set[str]] = {}
    for m in graph.modules:
        for dep in graph.find_modules_directly_imported_by(m):
            a, b = top[m], top.get(dep)
            if b is not None and a != b and "py_tracker" not in (a, b):
                edges.setdefault(a, set()).add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    comps: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return comps, sorted(graph.find_modules_that_directly_import("py_tracker"))


def test_no_import_cycle_between_packages():
    cycles, importers_of_root = _package_cycles()
    assert cycles == []
    # the root package composes everything; only the `wandb` shim (W&B's module over it) imports it
    assert importers_of_root == ["py_tracker.compat.wandb"]


def test_importing_features_registers_no_init_hook():
    """Init hooks are registered by the composing root package (system, notebook) and by a
    feature when it starts (a sweep runner, a Dask trial, a sweep widget), never on import."""
    code = ("import py_tracker, py_tracker.sweeps.runners, py_tracker.sweeps.dask_runner, "
            "py_tracker.notebook.sweep.controller, py_tracker.notebook.sweep.control\n"
            "from py_tracker.core import session\n"
            "print([f'{h.__module__}.{h.__name__}' for h in session._init_hooks])")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "['py_tracker.facade.hooks.system_hook', 'py_tracker.facade.hooks.notebook_hook']"


def test_session_builds_the_public_run_and_core_imports_nothing_above_it(tmp_path):
    """`init()` returns the composed `facade.run.Run` (W&B's conveniences) though `core`
    never imports the facade; finishing clears the active run through the end listener."""
    code = ("import sys, py_tracker as pt\n"
            f"run = pt.init(project='p', dir={str(tmp_path)!r}, settings={{'monitor_interval': None}})\n"
            "from py_tracker.facade.run import Run\n"
            "assert type(run) is Run and pt.run is run and callable(run.log_artifact)\n"
            "run.finish()\n"
            "assert pt.run is None\n"
            "off = pt.init(mode='disabled')\n"
            "assert type(off).__module__ == 'py_tracker.facade.run'\n"
            "off.finish()\n"
            "assert pt.run is None\n"
            "print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "ok"


def test_root_lazy_names_are_declared_for_grimp():
    """Every lazy name of the root package is also imported under TYPE_CHECKING from the same
    module, so import-linter sees the root's real dependencies (import_module hides them)."""
    import ast
    import py_tracker
    tree = ast.parse((REPO / "py_tracker" / "__init__.py").read_text())
    declared = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                declared.update({a.name: imp.module for a in imp.names})
    assert declared == py_tracker._LAZY
