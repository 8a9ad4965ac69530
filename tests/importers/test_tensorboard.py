"""TensorBoard logs written by torch's SummaryWriter, imported and compared value by value."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from py_tracker.api import Api
from py_tracker.importers import import_runs
from py_tracker.media.base import resolve


def _runs(root: Path) -> dict:
    return {r.name: r for r in Api(root).runs()}


def test_scalars_steps_walltimes_hparams_histograms_images(tb_dir, root):
    runs = import_runs("tensorboard", tb_dir / "logs", dir=root, quiet=True)
    assert len(runs) == 3
    expected = json.loads((tb_dir / "expected.json").read_text())
    by_name = _runs(root)
    assert set(by_name) == {"train", "eval", "eval/hp"}
    for name, tags in expected.items():
        r = by_name[name]
        assert r.project == "logs" and r.state == "finished"
        assert r.to_dict()["imported"]["source"] == "tensorboard"
        rows = list(r.scan_history())
        for tag, points in tags.items():
            got = [(row["_step"], row[tag]) for row in rows if tag in row]
            assert [s for s, _ in got] == [s for s, _ in points]
            # SummaryWriter stores scalars as float32
            assert [v for _, v in got] == [float(np.float32(v)) for _, v in points]
        rec = r.to_dict()
        assert all(rec["created_at"] <= row["_timestamp"] <= rec["finished_at"] for row in rows)
        assert rows[0]["_runtime"] == rows[0]["_timestamp"] - rec["created_at"]
    train_rows = list(by_name["train"].scan_history())
    hist = next(row["weights"] for row in train_rows if "weights" in row)
    assert hist["_type"] == "histogram" and sum(hist["values"]) == 10
    assert hist["bins"][0] == 0.0 and hist["bins"][-1] == 9.0
    img = next(row["sample"] for row in train_rows if "sample" in row)
    assert next(row["_step"] for row in train_rows if "sample" in row) == 5
    from PIL import Image
    pixels = np.asarray(Image.open(resolve(by_name["train"].run_dir / "files", img)).convert("RGB"))
    assert (pixels == np.load(tb_dir / "image.npy")).all()
    hp = by_name["eval/hp"]
    assert hp.config == {"lr": 0.5, "batch": 16, "opt": "sgd"}
    assert hp.summary["hp/final"] == 1.5


def test_second_import_adds_nothing(tb_dir, root):
    assert len(import_runs("tensorboard", tb_dir / "logs", dir=root, quiet=True)) == 3
    again = import_runs("tensorboard", tb_dir / "logs", dir=root, quiet=True)
    assert len(again) == 0 and len(again.report.skipped) == 3
    assert len(Api(root).runs()) == 3


def test_truncated_event_file_keeps_the_readable_part(tb_dir, tmp_path, root):
    import shutil
    logs = tmp_path / "logs"
    shutil.copytree(tb_dir / "logs" / "train", logs / "train")
    (event,) = (logs / "train").glob("events.out.tfevents.*")
    data = event.read_bytes()
    event.write_bytes(data[: len(data) // 2 + 5])
    runs = import_runs("tensorboard", logs, dir=root, quiet=True)
    (r,) = runs
    expected = json.loads((tb_dir / "expected.json").read_text())["train"]["loss"]
    got = [(row["_step"], row["loss"]) for row in r.scan_history() if "loss" in row]
    assert 0 < len(got) < len(expected)
    assert got == [(s, float(np.float32(v))) for s, v in expected[: len(got)]]
    assert any("torn record" in t for _, t in runs.report.problems)


def test_a_folder_without_event_files_is_a_clear_error(tmp_path, root):
    with pytest.raises(ValueError, match="no event files"):
        import_runs("tensorboard", tmp_path, dir=root, quiet=True)


def test_cli_imports_and_prints_the_summary(tb_dir, root, capsys):
    from py_tracker.cli import main
    assert main(["--dir", str(root), "import", "tensorboard", str(tb_dir / "logs"), "--project", "moved",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "imported 3 run(s) from tensorboard" in out and "history rows" in out
    assert {r.project for r in Api(root).runs()} == {"moved"}
    assert main(["--dir", str(root), "import", "tensorboard", str(tb_dir / "logs"), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "imported 0 run(s)" in out and out.count("already imported") == 3
    assert main(["--dir", str(root), "import", "tensorboard", str(tb_dir / "missing")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_imported_runs_are_ordinary_runs_for_the_server(tb_dir, root):
    from py_tracker.server.store import StoreReader
    runs = import_runs("tensorboard", tb_dir / "logs", dir=root, quiet=True)
    reader = StoreReader(root)
    listed = {r["id"]: r for r in reader.runs()["runs"]}
    assert set(listed) == {r.id for r in runs}
    assert all(r["state"] == "finished" and r["project"] == "logs" for r in listed.values())
    train = next(r for r in runs if r.name == "train")
    # the list marks where each run came from (the sidebar shows it); a live run has no mark
    assert listed[train.id]["imported"] == {"source": "tensorboard", "id": str((tb_dir / "logs" / "train").resolve()),
                                            "path": str((tb_dir / "logs" / "train").resolve()), "problem_count": 0}
    import py_tracker as pt
    live = pt.init(project="logs", dir=root, settings={"display": False, "monitor_interval": None,
                                                        "capture_output": False, "save_code": False})
    live.finish()
    assert {r["id"]: r for r in reader.runs()["runs"]}[live.id]["imported"] is None
    detail = reader.run_detail(train.id)["run"]
    assert detail["imported"]["source"] == "tensorboard"
    assert detail["imported"]["path"] == str((tb_dir / "logs" / "train").resolve())
