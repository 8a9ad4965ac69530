"""GET runs/<id>/lineage: the run's artifact lineage graph as JSON, authenticated, 404 when unknown."""
from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError

from py_tracker.artifacts import Artifact, run_log_artifact, run_use_artifact

API = ("py-tracker", "api", "v1")


@pytest.fixture
def pipeline(make_run, store_root):
    """prep logs the dataset 'digits'; train uses it."""
    prep = make_run(store_root, "lin", "prep", steps=1, exit_code=None)
    ds = Artifact("digits", "dataset")
    with ds.new_file("train.csv") as f:
        f.write("1,2\n")
    run_log_artifact(prep, ds)
    prep.finish()
    train = make_run(store_root, "lin", "train", steps=1, exit_code=None)
    run_use_artifact(train, "digits:latest")
    train.finish()
    return prep, train


async def test_lineage_of_a_run(get_json, pipeline):
    prep, train = pipeline
    data = await get_json("runs", train.id, "lineage")
    ids = {n["id"]: n for n in data["nodes"]}
    assert set(ids) == {f"run:{prep.id}", "artifact:lin/digits:v0", f"run:{train.id}"}
    assert ids[f"run:{train.id}"]["label"] == "train" and ids["artifact:lin/digits:v0"]["type"] == "dataset"
    edges = {(e["source"], e["target"], e["kind"]) for e in data["edges"]}
    assert edges == {(f"run:{prep.id}", "artifact:lin/digits:v0", "output"),
                     ("artifact:lin/digits:v0", f"run:{train.id}", "input")}


async def test_lineage_of_a_run_without_artifacts(get_json, make_run, store_root):
    lone = make_run(store_root, "lin", "lone", steps=1)
    data = await get_json("runs", lone.id, "lineage")
    assert [n["id"] for n in data["nodes"]] == [f"run:{lone.id}"] and data["edges"] == []


async def test_lineage_unknown_run_is_404(jp_fetch, runs):
    for rid in ("no-such-run", "bad%20id"):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(*API, "runs", rid, "lineage")
        assert err.value.code == 404, rid
        assert b"no run" in err.value.response.body, rid  # the handler's answer, not a missing route


async def test_lineage_needs_auth(http_server_client, jp_base_url, pipeline):
    _, train = pipeline
    r = await http_server_client.fetch(f"{jp_base_url}py-tracker/api/v1/runs/{train.id}/lineage",
                                       raise_error=False, request_timeout=10)
    assert r.code == 403
    assert "digits" not in r.body.decode(errors="replace")
