"""W&B offline runs made by the real wandb, imported and compared value by value."""
from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from py_tracker.api import Api
from py_tracker.importers import import_runs


def _expected(src: Path) -> list[dict]:
    return json.loads((src / "expected.json").read_text())


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


def _check_rows(history, logged: list[dict], auto_step: bool) -> None:
    rows = list(history)
    assert len(rows) == len(logged)
    for i, (got, want) in enumerate(zip(rows, logged)):
        flat = {}
        for k, v in want.items():
            if isinstance(v, dict):
                flat.update({f"{k}.{kk}": vv for kk, vv in v.items()})
            else:
                flat[k] = v
        for k, v in flat.items():
            assert _same(v, got[k]), (i, k, v, got.get(k))
        if auto_step:
            assert got["_step"] == i
        assert isinstance(got["_timestamp"], float) and isinstance(got["_runtime"], (int, float))


def _in_parallel(monkeypatch, workers: int = 4) -> None:
    """Decode even these small logs in `workers` processes, a few blocks each, in small batches."""
    import py_tracker.importers.wandb as reader
    monkeypatch.setattr(reader, "_PARALLEL_BYTES", 0)
    monkeypatch.setattr(reader, "_RANGE_BYTES", reader.BLOCK)
    monkeypatch.setattr(reader, "_WORKERS", workers)
    monkeypatch.setattr(reader, "_BATCH", 7)
    monkeypatch.setattr(reader, "_SUMMARY_BATCH", 5)


@pytest.mark.parametrize("batches", [None, (7, 5), "parallel", "typed"],
                         ids=["default-batches", "small-batches", "parallel", "json-and-typed-history"])
def test_every_value_comes_back(wandb_dir, root, batches, monkeypatch, request):
    if batches == "typed":  # the runs written with x_history_value_encoding="json,typed"
        wandb_dir = request.getfixturevalue("wandb_typed_dir")
    elif batches == "parallel":  # block ranges in worker processes: record boundaries cross them
        _in_parallel(monkeypatch)
    elif batches:  # many history/summary batches: their edges fall inside the run (and the odd rows)
        import py_tracker.importers.wandb as reader
        monkeypatch.setattr(reader, "_BATCH", batches[0])
        monkeypatch.setattr(reader, "_SUMMARY_BATCH", batches[1])
    runs = import_runs("wandb", wandb_dir / "wandb", dir=root, quiet=True)
    exp = _expected(wandb_dir)
    assert sorted(r.id for r in runs) == sorted(e["id"] for e in exp)
    api = Api(root)
    for e in exp:
        r = api.run(f"{e['project']}/{e['id']}")
        assert (r.name, r.group, r.job_type, r.notes) == (e["name"], e["group"], e["job_type"], e["notes"])
        assert list(r.tags) == e["tags"]
        assert r.config == e["config"]
        assert r.state == ("finished" if e["exit_code"] == 0 else "failed")
        rec = r.to_dict()
        assert rec["exit_code"] == e["exit_code"]
        assert rec["imported"]["source"] == "wandb" and rec["imported"]["id"] == e["dir"]
        _check_rows(r.scan_history(), e["rows"], auto_step=e["name"] == "first")
        last = e["rows"][-1]
        for k, v in last.items():
            if not isinstance(v, dict):
                assert _same(r.summary[k], v), k
    first = api.run(f"imported-proj/{exp[0]['id']}")
    assert first.summary["best"] == 0.25
    files = first.run_dir / "files"
    log = (files / "output.log").read_text()
    assert "hello stdout" in log and "to stderr" in log
    assert (files / "notes.txt").read_text() == "a saved file"
    assert not (files / "notes.txt").is_symlink()
    system = list(first.scan_history(stream="system"))
    assert len(system) >= 3  # sampled every 0.2 s for 1.5 s
    rec = first.to_dict()
    for row in system:
        assert all(k.startswith("system.") or k in ("_timestamp", "_runtime") for k in row)
        assert rec["created_at"] - 5 <= row["_timestamp"] <= rec["finished_at"] + 5
        assert 0 < row["system.memory_percent"] <= 100


def test_second_import_adds_nothing(wandb_dir, root):
    first = import_runs("wandb", wandb_dir / "wandb", dir=root, quiet=True)
    def catalog_files() -> dict:  # the snapshot and the journal segments: nothing new is written
        return {f.name: f.read_bytes() for f in sorted(root.glob("catalog.*")) if f.name != "catalog.lock"}

    catalog_before = catalog_files()
    again = import_runs("wandb", wandb_dir / "wandb", dir=root, quiet=True)
    assert len(first) == 2 and len(again) == 0
    assert [why for _, why in again.report.skipped] == ["already imported", "already imported"]
    assert catalog_files() == catalog_before
    assert len(Api(root).runs()) == 2


def _one_run_copy(wandb_dir: Path, tmp_path: Path) -> tuple[Path, Path, dict]:
    e = _expected(wandb_dir)[0]
    src = wandb_dir / "wandb" / e["dir"]
    dest = tmp_path / "copy" / e["dir"]
    shutil.copytree(src, dest, symlinks=True)
    return dest, next(dest.glob("*.wandb")), e


def test_truncated_log_imports_what_is_readable(wandb_dir, tmp_path, root):
    folder, log, e = _one_run_copy(wandb_dir, tmp_path)
    data = log.read_bytes()
    log.write_bytes(data[: len(data) // 2 + 3])  # a run killed while W&B was writing
    runs = import_runs("wandb", folder, dir=root, quiet=True)
    (r,) = runs
    assert r.state == "crashed"
    got = list(r.scan_history())
    assert 0 < len(got) < len(e["rows"])
    _check_rows(got, e["rows"][: len(got)], auto_step=True)
    texts = " ".join(t for _, t in runs.report.problems)
    assert "torn record" in texts and "no exit record" in texts
    assert r.to_dict()["imported"]["problems"]


def test_damaged_block_is_skipped_and_reported(wandb_dir, tmp_path, root):
    folder, log, e = _one_run_copy(wandb_dir, tmp_path)
    data = bytearray(log.read_bytes())
    assert len(data) > 3 * 32768
    for i in range(32768 + 1000, 32768 + 1100):  # garble bytes inside the second block
        data[i] ^= 0xFF
    log.write_bytes(bytes(data))
    runs = import_runs("wandb", folder, dir=root, quiet=True)
    (r,) = runs
    got = list(r.scan_history())
    assert 0 < len(got) < len(e["rows"])
    by_step = {row["_step"]: row for row in got}
    _check_rows([by_step[s] for s in sorted(by_step)], [e["rows"][s] for s in sorted(by_step)], auto_step=False)
    assert r.state == "finished"  # the exit record after the damage was still read
    assert any("checksum" in t or "damaged" in t for _, t in runs.report.problems)


@pytest.mark.parametrize("damage", ["truncated", "garbled", "garbled-at-a-range-start"])
def test_parallel_ranges_read_and_report_what_one_reader_does(wandb_dir, tmp_path, damage, monkeypatch):
    """The same damaged log imported by one reader and by processes on block ranges (one a block):
    the same rows, summary, state and problems."""
    folder, log, e = _one_run_copy(wandb_dir, tmp_path)
    data = bytearray(log.read_bytes())
    import py_tracker.importers.wandb as reader
    _in_parallel(monkeypatch)
    starts = [lo for lo, _ in reader._ranges(len(data))]
    monkeypatch.undo()
    assert len(starts) > 2 and len(reader._ranges(len(data))) == 1  # (one reader by default: a small log)
    if damage == "truncated":
        data = data[: len(data) * 2 // 3 + 5]
    else:
        at = starts[1] + 1000 if damage == "garbled" else starts[-1]  # the first fragment of the last range
        for i in range(at, at + 100):
            data[i] ^= 0xFF
    log.write_bytes(bytes(data))

    def imported(store: Path) -> tuple:
        (r,) = import_runs("wandb", folder, dir=store, quiet=True)
        return (list(r.scan_history()), r.summary, r.state, r.config, r.to_dict()["imported"].get("problems"),
                list(r.scan_history(stream="system")))

    one = imported(tmp_path / "one")
    _in_parallel(monkeypatch)
    assert len(reader._ranges(len(data))) > 1  # a range per 32 KiB block, up to 4
    many = imported(tmp_path / "many")
    assert many[0] == one[0] and 0 < len(one[0]) < len(e["rows"])
    assert many[1:] == one[1:]
    assert one[4]  # the damage is reported


BLOCK_WANDB = textwrap.dedent("""
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "wandb" or name.startswith("wandb."):
                raise ImportError(f"No module named {name!r} (blocked by the test)")
    sys.meta_path.insert(0, Block())
    from py_tracker.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_without_wandb_the_error_names_the_extra(wandb_dir, root):
    proc = subprocess.run([sys.executable, "-c", BLOCK_WANDB, "--dir", str(root), "import", "wandb",
                           str(wandb_dir / "wandb")], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "py_tracker[import]" in proc.stderr and "wandb" in proc.stderr
    assert not (root / "runs").exists()


def test_not_a_wandb_folder_is_a_clear_error(tmp_path, root):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no W&B run folders"):
        import_runs("wandb", tmp_path / "empty", dir=root, quiet=True)


def test_parallel_import_from_a_script_without_a_main_guard(wandb_dir, tmp_path):
    """A user's script that imports at top level (no `if __name__ == "__main__"`): the reader's
    worker processes must not run that script again (multiprocessing's spawn would)."""
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(f"""
        import py_tracker
        import py_tracker.importers.wandb as w
        w._PARALLEL_BYTES, w._RANGE_BYTES, w._WORKERS = 0, w.BLOCK, 3
        print("script ran")
        runs = py_tracker.import_runs("wandb", {str(wandb_dir / "wandb")!r}, dir={str(tmp_path / "store")!r}, quiet=True)
        print("imported", len(runs), sum(len(list(r.scan_history())) for r in runs))
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2])))
    assert proc.returncode == 0, proc.stderr
    rows = sum(len(e["rows"]) for e in _expected(wandb_dir))
    assert proc.stdout.split("\n")[:2] == ["script ran", f"imported 2 {rows}"], proc.stdout + proc.stderr


def test_batches_the_joined_parse_cannot_settle_are_decoded_record_by_record(tmp_path):
    """RecordBatches' record-by-record paths, fed W&B's own Record protobufs: a history batch
    with an undecodable record and a row without its `_step` item, and summary records that
    remove a key, read each record alone; the bad record is counted (reported), the rest kept."""
    from py_tracker.importers import wandb as reader
    from py_tracker.storage.history import iter_rows
    pb = reader._pb()

    def history(step: int, **values) -> bytes:
        rec = pb.Record()
        rec.history.step.num = step
        for k, v in values.items():
            rec.history.item.add(key=k, value_json=json.dumps(v))
        return rec.SerializeToString()

    def summary(update: dict | None = None, remove: tuple = ()) -> bytes:
        rec = pb.Record()
        for k, v in (update or {}).items():
            rec.summary.update.add(key=k, value_json=json.dumps(v))
        for k in remove:
            rec.summary.remove.add(key=k)
        return rec.SerializeToString()

    torn = b"\x12\x05\x0a"  # a history field that claims 5 bytes and has 1
    with pytest.raises(Exception):
        pb.Record().ParseFromString(torn)
    sink = reader.EncodedChunks()
    batch = reader.RecordBatches(pb, sink)  # type: ignore[arg-type]
    batch.history += [history(0, _step=0, loss=1.0), torn, history(1, _step=1, loss=0.5),
                      history(2, loss=0.25)]  # no `_step` item: the record's step number is the row's
    batch.flush_history()
    (tmp_path / "history.jsonl").write_bytes(b"".join(chunk for _, chunk, _, _ in sink.chunks))
    assert list(iter_rows(tmp_path / "history.jsonl")) == [
        {"_step": 0, "loss": 1.0}, {"_step": 1, "loss": 0.5}, {"_step": 2, "loss": 0.25}]
    assert batch.bad == 1 and batch.history == []

    batch.summary += [summary({"best": 0.5, "acc": 0.9}), summary(remove=("acc",)), torn, summary({"best": 0.25})]
    batch.flush_summary()
    got = {k: None if v is None else json.loads(pb.SummaryItem.FromString(v).value_json)
           for k, v in batch.summary_items.items()}
    assert got == {("best",): 0.25, ("acc",): None} and batch.bad == 2 and batch.summary == []


def test_history_batches_read_as_columns_only_when_the_lists_line_up(tmp_path):
    """A batch of W&B-shaped history records (each item one nested key and its JSON, as wandb
    0.31 writes them) is read as columns in one parse; batches whose lists could not be
    matched item to item (a nested dict key, rows of different widths, `key` instead of
    `nested_key`, a typed value instead of JSON) go the item-by-item way. Rows come out the
    same either way."""
    from py_tracker.importers import wandb as reader
    from py_tracker.storage.history import iter_rows
    pb = reader._pb()

    def history(step: int, items: list[tuple[tuple[str, ...], object]], field: str = "nested_key") -> bytes:
        rec = pb.Record()
        rec.history.step.num = step
        for path, v in items:
            it = rec.history.item.add()
            if field in ("key", "both"):
                it.key = path[0]
            if field != "key":
                it.nested_key.extend(path)
            if field in ("integer", "json,typed") and path != ("_step",):
                it.integer = int(v)
            if field != "integer":
                it.value_json = json.dumps(v)
        return rec.SerializeToString()

    def read(raws: list[bytes]) -> tuple[bool, list[dict]]:
        sink = reader.EncodedChunks()
        batch = reader.RecordBatches(pb, sink)  # type: ignore[arg-type]
        fast = batch._history_as_columns(raws)
        if not fast:
            assert sink.chunks == []  # nothing added by a refused try
            batch.history += raws
            batch.flush_history()
        path = tmp_path / "h.jsonl"
        path.write_bytes(b"".join(chunk for _, chunk, _, _ in sink.chunks))
        return fast, list(iter_rows(path))

    plain = [history(i, [(("loss",), 1 / (i + 1)), (("_step",), i), (("acc",), i / 10)][::1 if i % 2 else -1])
             for i in range(5)]  # keys in varying order, as W&B writes them
    fast, rows = read(plain)
    assert fast and rows == [{"loss": 1 / (i + 1), "_step": i, "acc": i / 10} for i in range(5)]

    nested = [history(i, [(("_step",), i), (("opt", "lr"), 0.1 * i)]) for i in range(3)]
    assert read(nested) == (False, [{"_step": i, "opt.lr": 0.1 * i} for i in range(3)])

    ragged = [history(0, [(("_step",), 0), (("a",), 1)]), history(1, [(("_step",), 1)]),
              history(2, [(("_step",), 2), (("a",), 3), (("b",), 4)])]
    assert read(ragged) == (False, [{"_step": 0, "a": 1}, {"_step": 1}, {"_step": 2, "a": 3, "b": 4}])

    keyed = [history(i, [(("_step",), i), (("x",), i)], field="key") for i in range(3)]
    assert read(keyed) == (False, [{"_step": i, "x": i} for i in range(3)])

    both = [history(i, [(("_step",), i), (("x",), i)], field="both") for i in range(3)]  # key wins, as in W&B
    assert read(both) == (False, [{"_step": i, "x": i} for i in range(3)])

    both_forms = [history(i, [(("_step",), i), (("n",), i)], field="json,typed") for i in range(3)]
    assert read(both_forms) == (True, [{"_step": i, "n": i} for i in range(3)])  # the JSON is read

    typed = [history(i, [(("_step",), i), (("n",), i)], field="integer") for i in range(3)]
    batch = reader.RecordBatches(pb, reader.EncodedChunks())  # type: ignore[arg-type]
    assert not batch._history_as_columns(typed)  # a typed value without its JSON: no column to read


class _Collected:
    """What `_scan` hands a `RecordBatches`, kept as it arrives (batches of 3 and 2 records)."""

    def __init__(self, pb):
        self.record_cls = pb.Record
        self.history, self.summary = [], []
        self.histories, self.summaries = [], []
        self.bad = 0

    def flush_history(self):
        self.histories.append(self.history)
        self.history = []

    def flush_summary(self):
        self.summaries.append(self.summary)
        self.summary = []


def _damaged_logs(data: bytes):
    yield "intact", data
    for cut in (len(data) // 3, len(data) // 2 + 3, len(data) - 5):
        yield f"truncated at {cut}", data[:cut]
    for at, n in ((32768 + 1000, 100), (7 + 40, 3), (2 * 32768, 7), (2 * 32768 + 2, 1)):  # garbled bytes
        garbled = bytearray(data)
        for i in range(at, at + n):
            garbled[i] ^= 0xFF
        yield f"garbled {n} at {at}", bytes(garbled)
    zeroed = bytearray(data)
    zeroed[3 * 32768 + 500: 3 * 32768 + 700] = bytes(200)  # a zero header inside a block
    yield "zeroed", bytes(zeroed)


def test_sorting_in_the_framing_loop_reads_and_reports_what_plain_reading_does(wandb_dir, tmp_path, monkeypatch):
    """`_scan` (whole history/summary records sorted inside `LogReader`'s loop) against reading
    every record with `iter(LogReader)` and telling its kind by W&B's own `Record`: the same
    records in the same order, in the same batches, the same problems; on intact, truncated,
    garbled and zeroed logs, read whole and as block ranges."""
    import py_tracker.importers.wandb as reader
    pb = reader._pb()
    monkeypatch.setattr(reader, "_BATCH", 3)
    monkeypatch.setattr(reader, "_SUMMARY_BATCH", 2)
    _, log, _ = _one_run_copy(wandb_dir, tmp_path)
    data = log.read_bytes()
    assert len(data) > 4 * 32768
    for what, damaged in _damaged_logs(data):
        log.write_bytes(damaged)
        for lo, hi in [(0, None)] + reader._ranges(len(damaged), 3):
            plain = reader.LogReader(log, lo, hi)
            want = {"history": [], "summary": [], "other": [], "bad": []}
            for raw in plain:
                try:
                    kind = pb.Record.FromString(raw).WhichOneof("record_type")
                except Exception:
                    kind = "bad"
                want[kind if kind in ("history", "summary", "bad") else "other"].append(raw)
            fused, got, others = reader.LogReader(log, lo, hi), _Collected(pb), []
            reader._scan(fused, got, others)
            where = f"{what}, range {lo}..{hi}"
            assert [r for b in got.histories for r in b] == want["history"], where
            assert [r for b in got.summaries for r in b] == want["summary"], where
            assert all(len(b) == 3 for b in got.histories[:-1]) and all(len(b) == 2 for b in got.summaries[:-1])
            assert others == want["other"] and got.bad == len(want["bad"]), where
            assert fused.problems == plain.problems, where
            if what != "intact":
                assert plain.problems or lo > 0, where  # (the damage is in this log: the checks see it)
