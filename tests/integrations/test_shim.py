"""The opt-in routes: `py-tracker wandb install/uninstall` and `py_tracker.as_wandb()`.

The real wandb is installed in the test venv, so the shim goes into a `--target` folder
put first on a subprocess's PYTHONPATH; a copy of the real wandb (hard links of the
venv's files) stands in for "a venv with real wandb" where a test must change it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from py_tracker.cli import main
from py_tracker.compat import installer

from .conftest import REPO, script_env

PROBE = r"""
import importlib.metadata as md, importlib.util, json, os
import wandb
import wandb.sdk, wandb.sdk.lib, wandb.errors, wandb.util, wandb.env
from wandb.sdk.lib import RunDisabled
from wandb.sdk.lib.config_util import ConfigError
from wandb.wandb_run import Run
import py_tracker, py_tracker.facade.run
run = wandb.init(project="probe", dir=".", config={"lr": 0.1})
wandb.log({"loss": 0.5})
wandb.run._label(code="probe")
wandb.termwarn("once", repeat=False); wandb.termwarn("once", repeat=False)
out = {
    "module": wandb.__name__, "version": wandb.__version__, "metadata": md.version("wandb"),
    "installer": md.distribution("wandb").read_text("INSTALLER").strip(),
    "spec": importlib.util.find_spec("wandb") is not None,
    "run_is_pt": Run is py_tracker.facade.run.Run and isinstance(run, Run),
    "disabled_is_pt": RunDisabled is py_tracker.facade.run.DisabledRun,
    "error_base": issubclass(ConfigError, wandb.Error) and wandb.errors.Error is wandb.Error,
    "same_run": wandb.run is py_tracker.run is run, "config": dict(wandb.config),
    "store": str(run.root), "cwd_store": os.path.exists("catalog.json"), "id": run.id,
}
wandb.finish()
print("PROBE " + json.dumps(out))
"""


def _probe(env: dict, cwd: Path, code: str = PROBE) -> tuple[dict, str]:
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("PROBE "))
    return json.loads(line[6:]), proc.stderr


def test_installed_shim_answers_import_wandb_and_its_metadata(shim, tmp_path):
    assert sorted(p.name for p in shim.iterdir()) == ["wandb", "wandb-0.31.0.dist-info"]
    store = tmp_path / "store"
    got, err = _probe(script_env(shim, store), tmp_path)
    assert got["module"] == "py_tracker.compat.wandb"  # not the real wandb further down the path
    assert got["version"] == got["metadata"] == "0.31.0" and got["installer"] == "py_tracker"
    assert got["spec"] and got["run_is_pt"] and got["disabled_is_pt"] and got["error_base"] and got["same_run"]
    assert got["config"] == {"lr": 0.1}
    # W&B's dir= (Lightning passes "."): the run lands in the user's store, no store in the cwd
    assert Path(got["store"]) == store and not got["cwd_store"]
    assert err.count("py_tracker: WARNING once") == 1
    import py_tracker as pt
    r = pt.Api(store).run(got["id"])
    assert r.state == "finished" and r.summary["loss"] == 0.5 and r.to_dict()["labels"] == {"code": "probe"}
    # pip's view: RECORD lists every file with its hash, so `pip uninstall wandb` removes it too
    record = (shim / "wandb-0.31.0.dist-info" / "RECORD").read_text().splitlines()
    assert {ln.split(",")[0] for ln in record} == {
        "wandb/__init__.py", "wandb-0.31.0.dist-info/METADATA", "wandb-0.31.0.dist-info/INSTALLER",
        "wandb-0.31.0.dist-info/top_level.txt", "wandb-0.31.0.dist-info/RECORD"}


def test_as_wandb_in_one_process_without_installing(tmp_path):
    env = script_env(Path(tmp_path / "none"), tmp_path / "store")
    env["PYTHONPATH"] = str(REPO)  # only the real wandb is importable as `wandb` here
    got, _ = _probe(env, tmp_path, "import py_tracker\nassert py_tracker.as_wandb() is py_tracker.as_wandb()\n" + PROBE)
    assert got["module"] == "py_tracker.compat.wandb" and got["installer"] == "py_tracker"
    assert got["metadata"] == "0.31.0" and got["run_is_pt"] and got["same_run"]


def test_as_wandb_after_the_real_wandb_was_imported_is_a_clear_error(tmp_path):
    code = ("import wandb, py_tracker\n"
            "try:\n    py_tracker.as_wandb()\nexcept py_tracker.errors.UsageError as e:\n    print('ERR', e)\n")
    env = script_env(Path(tmp_path / "none"), tmp_path / "store")
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert "ERR the real wandb was already imported" in proc.stdout, proc.stdout + proc.stderr
    assert "before anything imports wandb" in proc.stdout


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_install_into_the_venv_with_real_wandb_refuses(capsys):
    site = Path(sysconfig.get_paths()["purelib"])
    info = next(site.glob("wandb-*.dist-info"))
    assert (info / "INSTALLER").read_text().strip() != "py_tracker"  # the real client
    before = (_digest(info), (site / "wandb" / "__init__.py").read_bytes())
    assert main(["wandb", "install"]) == 2
    err = capsys.readouterr().err
    assert f"wandb {info.name.removesuffix('.dist-info').split('-')[1]}" in err and str(site) in err
    assert "--force" in err and "as_wandb()" in err
    assert main(["wandb", "uninstall"]) == 2  # never removes the real one either
    assert "pip uninstall wandb" in capsys.readouterr().err
    assert (_digest(info), (site / "wandb" / "__init__.py").read_bytes()) == before


def _copy_real_wandb(dest: Path) -> None:
    """A real wandb installed in `dest`: the venv's files, hard-linked (fast, and the venv's
    copies are untouched whatever the test does with the links)."""
    site = Path(sysconfig.get_paths()["purelib"])
    dest.mkdir(parents=True)

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
    shutil.copytree(site / "wandb", dest / "wandb", copy_function=link,
                    ignore=shutil.ignore_patterns("__pycache__"))
    info = next(site.glob("wandb-*.dist-info"))
    shutil.copytree(info, dest / info.name, copy_function=link)


def test_force_moves_real_wandb_aside_and_uninstall_puts_it_back(tmp_path, capsys):
    target = tmp_path / "site"
    _copy_real_wandb(target)
    real_info = next(target.glob("wandb-*.dist-info")).name
    before = _digest(target)
    assert main(["wandb", "install", "--target", str(target)]) == 2
    assert "--force" in capsys.readouterr().err and _digest(target) == before

    assert main(["wandb", "install", "--target", str(target), "--force"]) == 0
    backup = target / installer.BACKUP
    assert sorted(p.name for p in backup.iterdir()) == sorted(["wandb", real_info])
    got, _ = _probe(script_env(target, tmp_path / "store"), tmp_path)
    assert got["module"] == "py_tracker.compat.wandb" and got["installer"] == "py_tracker"
    # installing again over our own shim is fine (an upgrade), the backup stays
    assert main(["wandb", "install", "--target", str(target)]) == 0 and backup.is_dir()
    assert main(["wandb", "install", "--target", str(target), "--force"]) == 0

    assert main(["wandb", "uninstall", "--target", str(target)]) == 0
    assert "removed py_tracker's wandb shim" in capsys.readouterr().out
    assert not backup.exists() and _digest(target) == before
    code = ("import json, wandb, importlib.metadata as md\n"
            "print('PROBE ' + json.dumps({'file': wandb.__file__, 'shim': hasattr(wandb, '__py_tracker__'),"
            " 'version': md.version('wandb')}))\n")
    env = script_env(target, tmp_path / "store")
    got, _ = _probe(env, tmp_path, code)
    assert got["file"] == str(target / "wandb" / "__init__.py") and not got["shim"]
    assert main(["wandb", "uninstall", "--target", str(target)]) == 2  # now it is the real one again


def test_uninstall_when_nothing_is_installed(tmp_path, capsys):
    assert main(["wandb", "uninstall", "--target", str(tmp_path)]) == 0
    assert "no py_tracker wandb shim" in capsys.readouterr().out


def test_the_entry_point_installs_and_uninstalls(tmp_path):
    exe = Path(sys.executable).with_name("py-tracker")
    target = tmp_path / "site"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([str(exe), "wandb", "install", "--target", str(target)], env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert (target / "wandb" / "__init__.py").is_file()
    out = subprocess.run([str(exe), "wandb", "uninstall", "--target", str(target)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and sorted(os.listdir(target)) == []


def test_disabled_mode_has_the_names_integrations_touch(shim, tmp_path):
    """WANDB_MODE=disabled (as W&B): transformers' setup still calls run._label() and reads run.url."""
    code = ("import json, wandb\nfrom wandb.sdk.lib import RunDisabled\n"
            "run = wandb.init(project='off')\nrun._label(code='transformers_trainer')\n"
            "wandb.log({'x': 1})\n"
            "print('PROBE ' + json.dumps({'disabled': isinstance(run, RunDisabled), 'url': run.url,"
            " 'entity': run.entity}))\nwandb.finish()\n")
    store = tmp_path / "store"
    got, _ = _probe(script_env(shim, store, WANDB_MODE="disabled"), tmp_path, code)
    assert got == {"disabled": True, "url": "", "entity": "local"}
    assert not (store / "runs").exists()  # nothing recorded
