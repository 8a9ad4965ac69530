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


def _loader_points(path: Path) -> dict[str, list[tuple[int, float, float]]]:
    """(step, wall time, value) of every scalar, as tensorboard's own loader reads them (the
    legacy one: it leaves `simple_value` as written, the other turns it into a tensor)."""
    from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader
    (f,) = sorted(path.rglob("events.out.tfevents.*"))
    out: dict[str, list[tuple[int, float, float]]] = {}
    for ev in LegacyEventFileLoader(str(f)).Load():
        for v in ev.summary.value:
            if v.WhichOneof("value") == "simple_value":
                out.setdefault(v.tag, []).append((ev.step, ev.wall_time, v.simple_value))
    return out


def test_batched_scalar_reading_matches_tensorboards_loader(tmp_path, root, monkeypatch):
    """Batches of scalar events are read with one parse each; batches holding a histogram, the
    file's first events or a step-0 event go event by event. Every point, wall time and step
    must be what tensorboard's own loader reads, whichever way its batch went."""
    from torch.utils.tensorboard import SummaryWriter

    from py_tracker.importers import tensorboard as tb
    w = SummaryWriter(str(tmp_path / "logs" / "mixed"))
    for step in range(1500):
        for tag in ("a/loss", "b/acc", "c/lr"):  # three tags, interleaved in the one file
            w.add_scalar(tag, (step % 17) / 7 - 1.3, step)
        if step in (400, 401, 1100):
            w.add_histogram("h", np.arange(10) + step, step)
        if step == 900:
            w.add_scalar("late", 2.5, 0)  # a step-0 event in the middle (proto3 leaves the step out)
    w.close()
    monkeypatch.setattr(tb, "_BATCH", 250)
    (f,) = sorted((tmp_path / "logs").rglob("events.out.tfevents.*"))
    views = tb._column_views()
    kinds = [tb._scalar_columns(views, b) is not None for b in tb.RecordReader(f).batches()]
    assert kinds.count(True) >= len(kinds) - 5 and kinds.count(False) >= 3, kinds
    (run,) = import_runs("tensorboard", tmp_path / "logs", dir=root, quiet=True)
    rows = list(run.scan_history())
    for tag, points in _loader_points(tmp_path / "logs").items():
        got = [(row["_step"], row[tag]) for row in rows if row.get(tag) is not None]
        last = {}
        for step, _, value in points:  # a tag logged twice at one step keeps its last point
            last[step] = value
        assert got == sorted(last.items()), tag
    loaded = _loader_points(tmp_path / "logs")
    assert set(loaded) == {"a/loss", "b/acc", "c/lr", "late"} and len(loaded["a/loss"]) == 1500
    newest: dict[int, float] = {}  # a row's _timestamp: the newest wall time of its points
    for pts in loaded.values():
        for step, wall, _ in pts:
            newest[step] = max(newest.get(step, wall), wall)
    assert all(row["_timestamp"] >= newest[row["_step"]] for row in rows)
    assert [r["_step"] for r in rows if r.get("h") is not None] == [400, 401, 1100]


def test_a_batch_whose_lists_do_not_line_up_is_read_event_by_event():
    """Two values in one event and an event with no value: the joined parse gives as many tags
    as events, but they do not belong one to each; `_scalar_columns` must refuse the batch."""
    from tensorboard.compat.proto import event_pb2, summary_pb2

    from py_tracker.importers import tensorboard as tb
    V = summary_pb2.Summary.Value
    two = event_pb2.Event(wall_time=1.0, step=1, summary=summary_pb2.Summary(
        value=[V(tag="a", simple_value=1.0), V(tag="b", simple_value=2.0)]))
    none = event_pb2.Event(wall_time=2.0, step=2, summary=summary_pb2.Summary())
    good = [event_pb2.Event(wall_time=3.0 + i, step=3 + i, summary=summary_pb2.Summary(
        value=[V(tag="a", simple_value=float(i))])) for i in range(2)]
    views = tb._column_views()
    assert tb._scalar_columns(views, [two.SerializeToString(), none.SerializeToString()]) is None
    cols = tb._scalar_columns(views, [e.SerializeToString() for e in good])
    assert list(cols) == ["a"] and cols["a"][0].tolist() == [3, 4] and cols["a"][2].tolist() == [0.0, 1.0]
    assert cols["a"][1].tolist() == [3.0, 4.0]
