"""The README's two commands are what CI runs, and the first one installs what it needs.

A fresh machine once failed the README's first command (`ModuleNotFoundError: sklearn`)
while CI stayed green, because CI only ran the test command, whose venv had scikit-learn.
These tests read both commands out of README.md and check that `.ci/run` runs them exactly,
in order, and that every third-party module the examples import comes from a distribution
that the first command's set-up installs (the package's dependencies plus the extras that
`scripts/setup.sh` installs without `--test`).
"""
from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"```bash\n(.*?)```", re.S)


def readme_commands() -> list[str]:
    """The first two ```bash blocks of README.md, one command line each."""
    blocks = FENCE.findall((REPO / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) >= 2, "README.md must open with two ```bash blocks: run the example, run the tests"
    commands = []
    for block in blocks[:2]:
        lines = [ln.strip() for ln in block.splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) == 1, f"each README command is one line, got {lines}"
        commands.append(lines[0])
    return commands


def ci_commands() -> list[str]:
    """The lines of .ci/run that run something (not comments, `set`, `cd` or `echo`)."""
    skip = ("#", "set ", "cd ", "echo ")
    return [ln.strip() for ln in (REPO / ".ci" / "run").read_text().splitlines()
            if ln.strip() and not ln.strip().startswith(skip)]


def test_ci_runs_both_readme_commands_in_order():
    first, second = readme_commands()
    assert first.startswith("bash scripts/setup.sh") and "examples/" in first
    assert second.startswith("bash scripts/test.sh")
    assert ci_commands() == [first, second]


def test_ci_fails_when_pytest_collects_nothing():
    text = (REPO / "scripts" / "test.sh").read_text()
    assert re.search(r'"\$rc" = 5 \].*exit 1', text), "scripts/test.sh must turn pytest's exit 5 into a failure"


def _default_setup_extras() -> set[str]:
    """The extras `scripts/setup.sh` installs without --test (its `pip install -e ".[...]"` in the else branch)."""
    text = (REPO / "scripts" / "setup.sh").read_text()
    default_branch = text.split("else", 1)[1].split("fi", 1)[0]
    found = re.search(r'-e "\.\[([^\]]+)\]"', default_branch)
    assert found, "scripts/setup.sh's default branch must pip install the package with its extras"
    return {e.strip() for e in found.group(1).split(",")}


def _dist_name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _installed_by_first_command() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in _default_setup_extras():
        assert extra in project["optional-dependencies"], f"setup.sh installs an unknown extra {extra!r}"
        reqs += project["optional-dependencies"][extra]
    return {_dist_name(r) for r in reqs}


def _example_imports() -> set[str]:
    """Top-level modules imported anywhere in examples/*.py and the code cells of examples/*.ipynb."""
    from IPython.core.inputtransformer2 import TransformerManager  # cells hold magics: make them Python

    sources = [p.read_text(encoding="utf-8") for p in (REPO / "examples").glob("*.py")]
    for nb in (REPO / "examples").glob("*.ipynb"):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        sources += [TransformerManager().transform_cell("".join(c["source"]))
                    for c in cells if c["cell_type"] == "code"]
    mods: set[str] = set()
    for src in sources:
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"py_tracker", "__future__"}


def test_first_command_installs_what_the_examples_import():
    installed = _installed_by_first_command()
    providers = md.packages_distributions()
    missing = {}
    for mod in sorted(_example_imports()):
        dists = {d.lower().replace("_", "-") for d in providers.get(mod, [])}
        assert dists, f"examples import {mod!r}, which no installed distribution provides"
        # a module counts as installed when one of its distributions is required directly,
        # or comes with one that is (numpy with pandas, say) — checked through requirements.
        if not dists & installed and not any(dists & _requires_closure(r) for r in installed):
            missing[mod] = sorted(dists)
    assert not missing, (f"the README's first command does not install {missing}: add them to an extra "
                         "that scripts/setup.sh installs by default (e.g. `examples`)")


_closure_cache: dict[str, set[str]] = {}


def _requires_closure(dist: str) -> set[str]:
    """`dist` and everything it requires, transitively (installed metadata, markers without extras)."""
    if dist in _closure_cache:
        return _closure_cache[dist]
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            reqs = md.requires(name) or []
        except md.PackageNotFoundError:
            continue
        todo += [_dist_name(r) for r in reqs if "extra ==" not in r]
    _closure_cache[dist] = seen
    return seen
