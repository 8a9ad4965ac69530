"""The `wandb` module name answered by `py_tracker.compat.wandb` (one process).

An import hook (`WandbAlias`, first on `sys.meta_path`) maps `wandb` and every
`wandb.<sub>` to the same module object under `py_tracker.compat.wandb`, so a
class reached as `wandb.errors.Error` and `py_tracker.compat.wandb.errors.Error`
is one class. It also answers `importlib.metadata` for the name "wandb"
(Lightning and accelerate check the installed version before using it).
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

from ..errors import UsageError

WANDB_VERSION = "0.31.0"  # the W&B release whose surface the shim follows
SHIM_PACKAGE = "py_tracker.compat.wandb"
INSTALLER_MARK = "py_tracker"  # the dist-info's INSTALLER file of an installed shim


def metadata_text() -> str:
    """The METADATA of the shim's distribution (installed dist-info and the in-process one)."""
    from ..version import __version__
    return (f"Metadata-Version: 2.1\nName: wandb\nVersion: {WANDB_VERSION}\n"
            f"Summary: py_tracker {__version__} answering `import wandb` (offline, local store); "
            f"not the real W&B client\nRequires-Dist: py_tracker\n")


class _ShimDistribution(importlib.metadata.Distribution):
    """The "wandb" distribution as seen by importlib.metadata while `as_wandb()` is on."""

    def read_text(self, filename: str) -> str | None:
        if filename == "METADATA":
            return metadata_text()
        if filename == "INSTALLER":
            return INSTALLER_MARK + "\n"
        if filename == "top_level.txt":
            return "wandb\n"
        return None

    def locate_file(self, path: Any) -> Path:
        return Path(__file__).parent / "wandb" / str(path)


class _AliasLoader(importlib.abc.Loader):
    """Hands out the already-imported `py_tracker.compat.wandb...` module unchanged."""

    def __init__(self, real_name: str):
        self.real_name = real_name
        self._spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.real_name)
        self._spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # importlib set __spec__ to the alias's spec; keep the module's own (relative imports use it)
        module.__spec__ = self._spec


class WandbAlias(importlib.abc.MetaPathFinder):
    """Meta-path finder: `wandb[.x.y]` -> `py_tracker.compat.wandb[.x.y]`."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "wandb" and not fullname.startswith("wandb."):
            return None
        real = SHIM_PACKAGE + fullname[len("wandb"):]
        try:
            spec = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            return None
        if spec is None:
            return None
        return importlib.util.spec_from_loader(fullname, _AliasLoader(real),
                                               is_package=spec.submodule_search_locations is not None)

    def find_distributions(self, context: Any = None) -> Iterator[importlib.metadata.Distribution]:
        name = getattr(context, "name", None)
        if name is not None and name.replace("_", "-").lower() == "wandb":
            yield _ShimDistribution()


def is_shim(module: Any) -> bool:
    """True when `module` is py_tracker's `wandb` (not the real W&B client)."""
    return getattr(module, "__name__", "").startswith(SHIM_PACKAGE) or bool(getattr(module, "__py_tracker__", False))


def as_wandb() -> ModuleType:
    """Make `import wandb` (and `wandb.sdk`, `wandb.integration.keras`, ...) give py_tracker, in this process.

    Call it before anything imports wandb (e.g. first cell, top of the script).
    Idempotent. Raises UsageError when the real W&B client was already imported:
    objects made from it would bypass py_tracker.
    """
    loaded = sys.modules.get("wandb")
    if loaded is not None and not is_shim(loaded):
        raise UsageError("the real wandb was already imported in this process "
                         f"({getattr(loaded, '__file__', '?')}); call py_tracker.as_wandb() before anything "
                         "imports wandb (first cell / top of the script), or restart the kernel")
    if not any(isinstance(f, WandbAlias) for f in sys.meta_path):
        sys.meta_path.insert(0, WandbAlias())
    module = importlib.import_module(SHIM_PACKAGE)
    sys.modules["wandb"] = module
    return module
