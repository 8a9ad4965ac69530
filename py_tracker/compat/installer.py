"""`py-tracker wandb install / uninstall`: the `wandb` name for a whole environment.

install writes `<target>/wandb/__init__.py` (three lines: it turns on
`as_wandb()`, so the module is `py_tracker.compat.wandb`) and
`<target>/wandb-<WANDB_VERSION>.dist-info` (METADATA, INSTALLER "py_tracker",
RECORD), so `importlib.metadata.version("wandb")` answers and `pip uninstall
wandb` also works. target is this interpreter's site-packages unless given.

A real wandb in target is never overwritten silently: install refuses, and
with force=True moves it to `<target>/.py_tracker-wandb-backup/`, which
uninstall puts back.
"""
from __future__ import annotations

import base64
import hashlib
import shutil
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from ..errors import UsageError
from .aliasing import INSTALLER_MARK, WANDB_VERSION, metadata_text

BACKUP = ".py_tracker-wandb-backup"

INIT_PY = '''"""wandb -> py_tracker (installed by `py-tracker wandb install`; `py-tracker wandb uninstall` removes it)."""
__py_tracker__ = True
import py_tracker.compat as _compat
_compat.as_wandb()  # replaces this module in sys.modules with py_tracker.compat.wandb
'''


@dataclass
class Found:
    """What holds the name `wandb` in a site-packages folder."""

    package: Path | None  # <target>/wandb
    dist_info: list[Path]  # <target>/wandb-*.dist-info
    ours: bool  # every dist-info found was written by install()

    @property
    def present(self) -> bool:
        return self.package is not None or bool(self.dist_info)


def default_target() -> Path:
    """This interpreter's site-packages (purelib)."""
    return Path(sysconfig.get_paths()["purelib"])


def scan(target: Path) -> Found:
    pkg = target / "wandb"
    infos = sorted(p for p in target.glob("*.dist-info")
                   if p.name.split("-")[0].replace("_", "-").lower() == "wandb")
    ours = bool(infos) and all(_installer(p) == INSTALLER_MARK for p in infos)
    return Found(pkg if pkg.exists() or pkg.is_symlink() else None, infos, ours)


def _installer(dist_info: Path) -> str:
    try:
        return (dist_info / "INSTALLER").read_text().strip()
    except OSError:
        return ""


def _version(dist_info: Path) -> str:
    try:
        for line in (dist_info / "METADATA").read_text(errors="replace").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def install(target: str | Path | None = None, force: bool = False) -> Path:
    """Install the shim into `target` (default: site-packages); returns the package folder."""
    tgt = Path(target).expanduser() if target is not None else default_target()
    tgt.mkdir(parents=True, exist_ok=True)
    found = scan(tgt)
    if found.present and not found.ours:
        what = (f"wandb {_version(found.dist_info[0])}" if found.dist_info else "a 'wandb' package")
        if not force:
            raise UsageError(f"{what} (the real W&B client) is installed in {tgt}; py-tracker will not replace "
                             f"it. Use py_tracker.as_wandb() in one process instead, or "
                             f"`py-tracker wandb install --force` to move it to {tgt / BACKUP} "
                             f"(`py-tracker wandb uninstall` puts it back)")
        backup = tgt / BACKUP
        if backup.exists():
            raise UsageError(f"{backup} already holds a wandb moved aside earlier; restore or remove it first")
        backup.mkdir()
        for p in ([found.package] if found.package else []) + found.dist_info:
            shutil.move(str(p), str(backup / p.name))
    elif found.ours:
        _remove_ours(tgt, found)
    pkg = tgt / "wandb"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(INIT_PY)
    info = tgt / f"wandb-{WANDB_VERSION}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(metadata_text())
    (info / "INSTALLER").write_text(INSTALLER_MARK + "\n")
    (info / "top_level.txt").write_text("wandb\n")
    rows = [_record_row(tgt, p) for p in (pkg / "__init__.py", info / "METADATA", info / "INSTALLER",
                                          info / "top_level.txt")]
    rows.append(f"{info.name}/RECORD,,")
    (info / "RECORD").write_text("\n".join(rows) + "\n")
    return pkg


def _record_row(base: Path, path: Path) -> str:
    data = path.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path.relative_to(base).as_posix()},sha256={digest},{len(data)}"


def _remove_ours(tgt: Path, found: Found) -> None:
    for info in found.dist_info:
        shutil.rmtree(info)
    if found.package is not None:
        shutil.rmtree(found.package)


def uninstall(target: str | Path | None = None) -> bool:
    """Remove the shim from `target`; put back a real wandb that install(force=True) moved aside.

    Returns False when there was nothing of ours to remove. Raises UsageError
    when the wandb in target is the real one (uninstall that with pip).
    """
    tgt = Path(target).expanduser() if target is not None else default_target()
    found = scan(tgt)
    if found.present and not found.ours:
        raise UsageError(f"the wandb in {tgt} was not installed by py-tracker (real W&B client); "
                         f"remove it with `pip uninstall wandb` if you mean to")
    removed = found.present
    if found.present:
        _remove_ours(tgt, found)
    backup = tgt / BACKUP
    if backup.is_dir():
        for p in sorted(backup.iterdir()):
            shutil.move(str(p), str(tgt / p.name))
        backup.rmdir()
    return removed
