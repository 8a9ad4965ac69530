"""MLflow file stores and SQLite stores made by the real mlflow, imported and compared."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from py_tracker.api import Api
from py_tracker.importers import import_runs

from .conftest import make


@pytest.fixture(scope="module", params=["file", "sqlite"])
def mlflow_store(request, tmp_path_factory) -> tuple[Path, list[dict]]:
    base = tmp_path_factory.mktemp(f"mlflow-{request.param}")
    if request.param == "file":
        target = base / "mlruns"
        uri = target.as_uri()
    else:
        target = base / "tracking.db"
        uri = f"sqlite:///{target}"
    make("make_mlflow.py", uri, (base / "artifacts").as_uri(), str(base / "expected.json"))
    return target, json.loads((base / "expected.json").read_text())


def test_experiments_params_metrics_tags_artifacts(mlflow_store, root):
    target, expected = mlflow_store
    runs = import_runs("mlflow", target, dir=root, quiet=True)
    assert len(runs) == 2
    api = Api(root)
    for e in expected:
        (r,) = [x for x in api.runs() if x.to_dict()["imported"]["id"] == e["id"]]
        assert r.project == "vision exp" and r.name == e["name"]
        assert r.state == {"FINISHED": "finished", "FAILED": "failed"}[e["status"]]
        assert r.config == {"lr": "0.1", "opt": "adam"}  # MLflow keeps params as strings
        assert list(r.tags) == ["team=core"]
        assert r.notes == f"note of {e['name']}"
        rows = {row["_step"]: row for row in r.scan_history()}
        want: dict[int, dict] = {}
        for key, step, value, ts in e["points"]:
            want.setdefault(step, {})[key] = (value, ts / 1000.0)
        assert sorted(rows) == sorted(want)
        for step, vals in want.items():
            for key, (value, _) in vals.items():
                assert rows[step][key] == value
            assert rows[step]["_timestamp"] == max(t for _, t in vals.values())
        art = r.run_dir / "files" / "artifacts" / e["artifact"]
        assert art.read_text() == e["artifact_text"]


def test_second_import_adds_nothing(mlflow_store, root):
    target, _ = mlflow_store
    assert len(import_runs("mlflow", target, dir=root, quiet=True)) == 2
    again = import_runs("mlflow", target, dir=root, quiet=True)
    assert len(again) == 0 and [w for _, w in again.report.skipped] == ["already imported"] * 2
    assert len(Api(root).runs()) == 2


def test_a_missing_store_is_a_clear_error(tmp_path, root):
    with pytest.raises(ValueError, match="does not exist"):
        import_runs("mlflow", tmp_path / "nope", dir=root, quiet=True)


def test_a_damaged_run_is_skipped_with_mlflows_reason_and_the_rest_imported(tmp_path, root):
    base = tmp_path / "src"
    base.mkdir()
    make("make_mlflow.py", (base / "mlruns").as_uri(), (base / "artifacts").as_uri(), str(base / "expected.json"))
    bad, good = json.loads((base / "expected.json").read_text())
    (loss,) = [p for p in (base / "mlruns").rglob("metrics/loss") if bad["id"] in str(p)]
    loss.write_text(loss.read_text() + "not a metric line\n")
    runs = import_runs("mlflow", base / "mlruns", dir=root, quiet=True)
    assert [r.to_dict()["imported"]["id"] for r in runs] == [good["id"]]
    ((what, why),) = runs.report.skipped
    assert bad["id"] in what and "malformed" in why and "'loss'" in why
    rows = list(runs[0].scan_history())
    assert [row["loss"] for row in rows] == [v for k, _, v, _ in good["points"] if k == "loss"]
