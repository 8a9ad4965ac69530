"""The server's JSON as the TypeScript reads it: ONE fixture per end point, produced here.

A realistic store (a training run with per-step and per-epoch metrics, `define_metric` with a step
metric and `summary="min"`, an alert, a custom chart, a Table with an image cell, a logged image and histogram, stdout, an artifact used downstream, a
two-trial sweep) is served by the real handlers (pytest-jupyter). The answer of every end point
the sidebar calls is reduced to its *shape* (path -> JSON types) and compared with the committed
fixture `labextension/test/fixtures/<name>.json`; jest (`labextension/test/fixtures.spec.ts`)
feeds the same files through the TS shape checks, parsers and models. So a server shape change
fails here, and once the fixtures are rewritten
(`PY_TRACKER_WRITE_TS_FIXTURES=1 pytest tests/server/test_ts_fixtures.py`) it fails in jest
wherever the TS reads a field that moved.

Volatile values (ids, timestamps, the temporary store path) are normalised so a rewrite shows only
real changes in `git diff`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import py_tracker as pt
from py_tracker.artifacts import Artifact, run_log_artifact, run_use_artifact

from .conftest import QUIET

API = ("py-tracker", "api", "v1")
FIXTURES = Path(__file__).resolve().parents[2] / "labextension" / "test" / "fixtures"
WRITE = os.environ.get("PY_TRACKER_WRITE_TS_FIXTURES") == "1"

# free-form dicts whose keys are user data (metric names, config keys, metadata fields)
OPAQUE = {"summary", "config", "metadata", "states", "fields", "string_fields", "parameters"}
# dicts keyed by user data whose values all share one shape
MAPS = {"series"}
# fields whose values change from run to run of this test; replaced by fixed ones
TIMES = {"created_at", "updated_at", "heartbeat_at", "last_activity", "at", "runtime", "started_at",
         "ended_at", "finished_at", "pid_start", "pid", "_timestamp", "_runtime", "size"}
# the machine's description (argv, git commit, memory...): its keys kept, its values fixed
MACHINE = {"metadata"}


def shape(value: Any, path: str = "$", out: dict[str, set[str]] | None = None) -> dict[str, set[str]]:
    """Every path of `value` (list items as `[]`, map values as `{}`) -> the JSON types seen there."""
    out = {} if out is None else out
    key = path.rsplit(".", 1)[-1]

    def seen(kind: str) -> None:
        out.setdefault(path, set()).add(kind)

    if isinstance(value, dict):
        seen("object")
        if key in OPAQUE:
            return out
        for k, v in value.items():
            shape(v, f"{path}.{{}}" if key in MAPS else f"{path}.{k}", out)
    elif isinstance(value, list):
        seen("array")
        for item in value:
            shape(item, f"{path}[]", out)
    elif isinstance(value, bool):
        seen("boolean")
    elif isinstance(value, (int, float)):
        seen("number")
    elif isinstance(value, str):
        seen("string")
    elif value is None:
        seen("null")
    return out


def _normalise(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        if key in MACHINE:
            return {k: "…" for k in value}
        return {k: _normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v, key) for v in value]
    if key in TIMES and isinstance(value, (int, float)) and not isinstance(value, bool):
        return type(value)(1_700_000_000 if value > 1e8 else 1)
    return value


def _stable_text(data: Any, replace: dict[str, str]) -> str:
    text = json.dumps(_normalise(data), indent=1, sort_keys=True, ensure_ascii=False)
    for old, new in sorted(replace.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    return text + "\n"


@pytest.fixture
def store(store_root: Path) -> Iterator[dict[str, Any]]:
    """The store every fixture is read from; returns the ids the end points are called with."""
    prep = pt.init(dir=store_root, project="digits", name="prep", settings=QUIET, reinit="create_new")
    ds = Artifact("digits", "dataset")
    with ds.new_file("train.csv") as f:
        f.write("1,2\n")
    run_log_artifact(prep, ds)
    prep.finish()

    run = pt.init(dir=store_root, project="digits", name="cnn", group="cnn", job_type="train",
                  tags=["base"], notes="a CNN", config={"lr": 0.01, "optimizer": {"name": "adam"}},
                  settings={**QUIET, "capture_output": True}, reinit="create_new")
    run.define_metric("epoch")
    run.define_metric("val/*", step_metric="epoch", summary="min")
    run_use_artifact(run, "digits:latest")
    for step in range(12):
        run.log({"train/loss": 1.0 / (step + 1), "train/acc": step / 12})
        if step % 4 == 3:
            run.log({"epoch": step // 4, "val/loss": 2.0 / (step + 1)}, commit=False)
    table = pt.Table(columns=["x", "y"], data=[[i, float(i * i)] for i in range(4)])
    run.log({"squares": pt.plot.line(table, "x", "y", title="Squares")})
    run.log({"samples": pt.Table(columns=["digit", "label", "p"],
                                 data=[[pt.Image(np.full((8, 8), 200, dtype=np.uint8), caption="3"), "three", 0.9]])})
    run.log({"digits": pt.Image(np.full((8, 8), 100, dtype=np.uint8), caption="a 3"),
             "weights": pt.Histogram(np.arange(16), num_bins=4)})
    print("epoch 2 done")
    run.alert(title="loss low", text="train/loss < 0.1", level="WARN")
    run.finish()

    sid = pt.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                    "parameters": {"lr": {"values": [0.5, 0.1]}}}, project="digits", root=store_root)

    def trial() -> None:
        t = pt.init(settings=QUIET)
        for i in range(3):
            t.log({"loss": t.config.lr * (3 - i)})
        t.finish()

    assert pt.agent(sid, function=trial, count=2, root=store_root) == 2
    live = pt.init(dir=store_root, project="digits", name="live", settings=QUIET, reinit="create_new")
    live.log({"train/loss": 0.5})
    live.flush()
    yield {"run": run.id, "prep": prep.id, "live": live.id, "sweep": sid, "root": str(store_root)}
    live.finish()


async def test_fixtures_of_every_end_point_the_sidebar_reads(jp_fetch, get_json, store):
    rid, sid = store["run"], store["sweep"]
    answers = {
        "projects": await get_json("projects"),
        "runs": await get_json("runs", project="digits"),
        "run": await get_json("runs", rid),
        "history": await get_json("runs", rid, "history"),
        "system": await get_json("runs", rid, "system"),
        "logs": await get_json("runs", rid, "logs"),
        "charts": await get_json("runs", rid, "charts"),
        "tables": await get_json("runs", rid, "tables"),
        "media": await get_json("runs", rid, "media"),
        "lineage": await get_json("runs", rid, "lineage"),
        "sweeps": await get_json("sweeps", project="digits"),
        "sweep": await get_json("sweeps", sid),
        "artifacts": await get_json("artifacts", project="digits"),
    }
    patched = await jp_fetch(*API, "runs", rid, method="PATCH", body=json.dumps({"notes": "patched"}))
    answers["patch"] = json.loads(patched.body)
    stopped = await jp_fetch(*API, "runs", store["live"], "stop", method="POST", body="{}")
    answers["stop"] = json.loads(stopped.body)

    # what the UI shows must be in there, or the fixture would test nothing
    assert {"train/loss", "val/loss"} <= set(answers["history"]["series"])
    assert answers["history"]["series"]["val/loss"]["x_axis"] == "epoch"
    assert answers["run"]["run"]["alerts"][0]["title"] == "loss low"
    assert "epoch 2 done" in answers["logs"]["text"]
    assert answers["charts"]["charts"][0]["spec"] == "wandb/line/v0"
    assert answers["tables"]["tables"][0]["data"][0][0]["_type"] == "image-file"
    assert [m["kind"] for m in answers["media"]["media"]] == ["images", "histogram"]
    assert len(answers["lineage"]["edges"]) == 2 and answers["sweep"]["sweep"]["best"] is not None

    ids = {rid: "run-cnn", store["prep"]: "run-prep", store["live"]: "run-live", sid: "sweep-1", store["root"]: "/store"}
    ids.update({t["id"]: f"trial-{i}" for i, t in enumerate(answers["sweep"]["trials"])})
    FIXTURES.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, data in answers.items():
        path = FIXTURES / f"{name}.json"
        now = {p: sorted(t) for p, t in shape(data).items()}
        if path.exists() and not WRITE:
            before = {p: sorted(t) for p, t in shape(json.loads(path.read_text())).items()}
            diff = [f"  {p}: fixture {before.get(p, 'absent')} -> server {now.get(p, 'absent')}"
                    for p in sorted(set(before) | set(now)) if before.get(p) != now.get(p)]
            if diff:
                changed.append(f"{name}.json:\n" + "\n".join(diff))
            continue
        path.write_text(_stable_text(data, ids))
    assert not changed, (
        "the server's JSON shape changed against labextension/test/fixtures; check the TS types "
        "(labextension/src/api/client.ts, shapes.ts), rewrite the fixtures with "
        "PY_TRACKER_WRITE_TS_FIXTURES=1 and run jlpm test:\n" + "\n".join(changed))


def test_shape_names_every_path_and_type():
    got = shape({"runs": [{"id": "a", "group": None}, {"id": "b", "group": "g"}],
                 "summary": {"x": 1}, "series": {"loss": {"x": [0]}, "acc": {"x": [1.5]}}, "ok": True})
    assert got == {"$": {"object"}, "$.runs": {"array"}, "$.runs[]": {"object"}, "$.runs[].id": {"string"},
                   "$.runs[].group": {"null", "string"}, "$.summary": {"object"},
                   "$.series": {"object"}, "$.series.{}": {"object"}, "$.series.{}.x": {"array"},
                   "$.series.{}.x[]": {"number"}, "$.ok": {"boolean"}}
