"""Every REST end point through a real Jupyter server (pytest-jupyter's jp_fetch)."""
from __future__ import annotations

import json

import pytest
from tornado.httpclient import HTTPClientError


API = ("py-tracker", "api", "v1")


async def test_projects_lists_run_counts(jp_fetch, get_json, make_run, runs):
    data = await get_json("projects")
    counts = {p["name"]: p["run_count"] for p in data["projects"]}
    assert counts == {"alpha": 2, "beta": 1}


async def test_runs_filters_and_facets(jp_fetch, get_json, make_run, runs):
    data = await get_json("runs", project="alpha")
    assert data["total"] == 2
    assert {r["name"] for r in data["runs"]} == {"a1", "a2"}
    assert data["facets"]["groups"] == ["g1", "g2"]
    assert data["facets"]["tags"] == ["base", "exp"]
    assert data["facets"]["states"] == {"finished": 1, "failed": 1}
    row = next(r for r in data["runs"] if r["name"] == "a1")
    assert row["summary"]["loss"] == pytest.approx(1 / 20)
    assert "config" not in row  # the list stays small; config is in the detail
    for query, names in [({"state": "failed"}, ["a2"]), ({"group": "g1"}, ["a1"]), ({"tag": "exp"}, ["a2"]),
                         ({"search": "RESNET"}, ["a1"]), ({"search": "b1"}, ["b1"]),
                         ({"sort": "name", "order": "asc"}, ["a1", "a2", "b1"]),
                         ({"sort": "name", "order": "desc"}, ["b1", "a2", "a1"]),
                         ({"sort": "config.lr", "order": "asc", "project": "alpha"}, ["a2", "a1"])]:
        got = await get_json("runs", **query)
        assert [r["name"] for r in got["runs"]] == names, query


async def test_runs_facets_list_sortable_metrics(jp_fetch, get_json, make_run, runs, store_root):
    """The sidebar's "sort by" select lists the numeric summary metrics (not `_step`, not
    strings or bools), and sorting by one orders the runs by it."""
    make_run(store_root, "gamma", "g1", steps=2)
    data = await get_json("runs", project="alpha")
    assert data["facets"]["metrics"] == ["acc", "loss"]
    # b1 logged 5 steps (loss 1/5), a1 and a2 20 (loss 1/20): ascending puts b1 last
    got = await get_json("runs", sort="summary.loss", order="asc", project="beta")
    assert [r["name"] for r in got["runs"]] == ["b1"]
    got = await get_json("runs", sort="summary.acc", order="desc")
    accs = [r["summary"]["acc"] for r in got["runs"]]
    assert accs == sorted(accs, reverse=True) and len(accs) == 4, got["runs"]


async def test_runs_pagination(jp_fetch, get_json, make_run, runs, store_root):
    for i in range(7):
        make_run(store_root, "many", f"m{i}", steps=1)
    seen = []
    for offset in (0, 3, 6):
        page = await get_json("runs", project="many", sort="name", order="asc", offset=offset, limit=3)
        assert page["total"] == 7 and page["offset"] == offset and page["limit"] == 3
        seen += [r["name"] for r in page["runs"]]
    assert seen == [f"m{i}" for i in range(7)]
    for bad in ({"limit": "0"}, {"limit": "abc"}, {"offset": "-1"}, {"sort": "nope"}, {"order": "up"}):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(*API, "runs", params=bad)
        assert err.value.code == 400, bad


async def test_run_detail_and_missing(jp_fetch, get_json, make_run, runs):
    a1 = runs["a1"]
    (a1.dir / "notes.txt").write_text("hello")
    data = await get_json("runs", a1.id)
    assert data["run"]["config"]["lr"] == 0.1
    assert data["run"]["summary"]["loss"] == pytest.approx(0.05)
    assert data["run"]["state"] == "finished"
    assert isinstance(data["run"]["metadata"], dict)
    assert {"name": "notes.txt", "size": 5} in data["files"]
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "runs", "nosuchid")
    assert err.value.code == 404
    assert b"nosuchid" in err.value.response.body


async def test_history_keys_axis_and_range(jp_fetch, get_json, make_run, runs):
    rid = runs["a1"].id
    data = await get_json("runs", rid, "history")
    assert data["x_axis"] == "_step" and data["rows"] == 20
    assert set(data["keys"]) == {"loss", "acc"}
    assert data["series"]["loss"]["x"] == list(range(20))
    part = await get_json("runs", rid, "history", keys="loss", min_step=5, max_step=9)
    assert list(part["series"]) == ["loss"]
    assert part["series"]["loss"]["x"] == [5, 6, 7, 8, 9]
    assert part["series"]["loss"]["y"][0] == pytest.approx(1 / 6)
    by_acc = await get_json("runs", rid, "history", keys="loss", x_axis="acc")
    assert by_acc["x_axis"] == "acc" and by_acc["series"]["loss"]["x"][1] == pytest.approx(0.05)
    for bad in ({"x_axis": "nope"}, {"keys": "nope"}, {"points": "1"}, {"min_step": "x"}):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(*API, "runs", rid, "history", params=bad)
        assert err.value.code == 400, bad


async def test_history_without_keys_has_metrics_with_summary_stats(jp_fetch, get_json, make_run, store_root):
    """define_metric(summary="min"/"max"/"none") stores a dict (or nothing) in the summary: the
    sidebar's history (no keys=) must still chart those metrics, against their rows."""
    run = make_run(store_root, "stats", "s", steps=0, exit_code=None)
    run.define_metric("epoch")
    run.define_metric("val/loss", step_metric="epoch", summary="min")
    run.define_metric("val/acc", step_metric="epoch", summary="max,mean")
    run.define_metric("quiet", summary="none")
    for i in range(12):
        run.log({"train/loss": 1 / (i + 1), "quiet": float(i)})
        if i % 4 == 3:
            run.log({"epoch": i // 4, "val/loss": 2.0 - i / 10, "val/acc": i / 12})
    run.finish()
    data = await get_json("runs", run.id, "history")
    assert {"train/loss", "epoch", "val/loss", "val/acc", "quiet"} <= set(data["keys"])
    assert set(data["series"]) >= {"train/loss", "val/loss", "val/acc", "quiet"}
    # by default each metric is on its step metric (the sidebar draws val/* against epoch)
    assert data["series"]["val/loss"]["x"] == [0, 1, 2] and data["series"]["val/loss"]["x_axis"] == "epoch"
    assert data["series"]["val/loss"]["y"] == pytest.approx([1.7, 1.3, 0.9])
    assert "x_axis" not in data["series"]["train/loss"] and len(data["series"]["train/loss"]["x"]) == 12
    by_step = await get_json("runs", run.id, "history", x_axis="_step")
    assert by_step["series"]["val/loss"]["x"] == [4, 9, 14]  # asked for: the steps of the epoch rows
    assert "x_axis" not in by_step["series"]["val/loss"]


async def test_history_downsampling_keeps_each_bucket_min_and_max(jp_fetch, get_json, make_run, store_root):
    import numpy as np
    rng = np.random.default_rng(0)
    values = rng.normal(size=20_000)
    values[7_777] = 50.0     # a spike
    values[12_345] = -50.0   # a dip
    run = make_run(store_root, "big", "big", steps=0, exit_code=None)
    for v in values:
        run.log({"noise": float(v)})
    run.finish()
    data = await get_json("runs", run.id, "history", points=200)
    s = data["series"]["noise"]
    assert data["rows"] == 20_000
    assert 100 <= len(s["x"]) <= 202
    assert max(s["y"]) == 50.0 and s["x"][s["y"].index(50.0)] == 7_777
    assert min(s["y"]) == -50.0 and s["x"][s["y"].index(-50.0)] == 12_345
    # every bucket's extremes: for each returned x-range between kept points the kept
    # points bound the raw values of the bucket they came from
    xs = np.asarray(s["x"], dtype=int)
    assert np.all(np.diff(xs) > 0)
    buckets = 99
    size = -(-20_000 // buckets)
    for b in range(buckets):
        chunk = values[b * size:(b + 1) * size]
        kept = {x for x in xs if b * size <= x < (b + 1) * size}
        assert b * size + int(np.argmax(chunk)) in kept and b * size + int(np.argmin(chunk)) in kept


async def test_system_stream(jp_fetch, get_json, make_run, store_root):
    run = make_run(store_root, "sys", "sys", steps=1, exit_code=None)
    for i in range(5):
        run._log_system({"system.cpu": 10.0 * i})
    run.finish()
    data = await get_json("runs", run.id, "system")
    assert data["x_axis"] == "_runtime"
    assert data["series"]["system.cpu"]["y"] == [0.0, 10.0, 20.0, 30.0, 40.0]


async def test_logs_tail_and_offset(jp_fetch, get_json, make_run, runs):
    rid = runs["a1"].id
    empty = await get_json("runs", rid, "logs")
    assert empty == {"text": "", "offset": 0, "next_offset": 0, "size": 0}
    log = runs["a1"].dir / "output.log"
    lines = "".join(f"line {i} é\n" for i in range(1000))
    log.write_text(lines, encoding="utf-8")
    tail = await get_json("runs", rid, "logs", max_bytes=100)
    assert tail["text"].endswith("line 999 é\n") and tail["text"].startswith("line ")
    assert tail["next_offset"] == tail["size"] == len(lines.encode())
    with log.open("a", encoding="utf-8") as f:
        f.write("more ✓\n")
    more = await get_json("runs", rid, "logs", offset=tail["next_offset"])
    assert more["text"] == "more ✓\n"
    head = await get_json("runs", rid, "logs", offset=0, max_bytes=12)
    # never a broken character: the cut lands before the 2-byte "é"
    assert head["text"] == "line 0 é\nli"[: len(head["text"])] and "\ufffd" not in head["text"]
    assert head["next_offset"] == len(head["text"].encode())


async def test_sweeps_and_trials(jp_fetch, get_json, store_root):
    """A real sweep (py_tracker.sweep() + agent): progress, best value, trials, stop."""
    import py_tracker as pt
    quiet = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
    sid = pt.sweep({"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
                    "parameters": {"lr": {"values": [0.5, 0.1, 0.01]}}}, project="sweepy", root=store_root)

    def train() -> None:
        run = pt.init(settings=quiet)
        for i in range(3):
            run.log({"loss": run.config.lr * (3 - i)})
        run.finish()

    assert pt.agent(sid, function=train, count=2, root=store_root) == 2
    data = await get_json("sweeps", project="sweepy")
    (sw,) = data["sweeps"]
    assert sw["id"] == sid and sw["method"] == "grid" and sw["metric"] == {"name": "loss", "goal": "minimize"}
    assert sw["trial_count"] == 2 and sw["run_cap"] == 3  # 2 of the grid's 3 points done
    assert sw["best"]["value"] == pytest.approx(0.1)
    one = await get_json("sweeps", sid)
    assert len(one["trials"]) == 2 and one["sweep"]["best"]["run_id"] in {t["id"] for t in one["trials"]}
    only = await get_json("runs", sweep=sid)
    assert only["total"] == 2
    stop = await jp_fetch(*API, "sweeps", sid, "stop", method="POST", body="{}")
    assert stop.code == 202
    assert (await get_json("sweeps", sid))["sweep"]["state"] == "stopped"
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "sweeps", "nope")
    assert err.value.code == 404


async def test_artifacts_empty_then_listed(jp_fetch, get_json, make_run, store_root, tmp_path):
    assert (await get_json("artifacts")) == {"artifacts": []}
    import py_tracker as pt
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    run = make_run(store_root, "p", "producer", steps=1, exit_code=None)
    art = pt.Artifact("ds", type="dataset")
    art.add_file(str(data))
    run.log_artifact(art)
    run.finish()
    (doc,) = (await get_json("artifacts", project="p"))["artifacts"]
    assert doc["name"] == "ds" and doc["type"] == "dataset" and doc["versions"][0]["file_count"] == 1
    assert (await get_json("artifacts", project="other")) == {"artifacts": []}


async def test_patch_and_delete(jp_fetch, get_json, make_run, runs):
    rid = runs["a2"].id
    r = await jp_fetch(*API, "runs", rid, method="PATCH",
                       body=json.dumps({"name": "renamed", "tags": ["x", "y"], "notes": "n"}))
    run = json.loads(r.body)["run"]
    assert (run["name"], run["tags"], run["notes"]) == ("renamed", ["x", "y"], "n")
    for bad in ({"name": ""}, {"tags": "x"}, {"state": "finished"}, [], "nope"):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch(*API, "runs", rid, method="PATCH", body=json.dumps(bad))
        assert err.value.code == 400, bad
    r = await jp_fetch(*API, "runs", rid, method="DELETE")
    assert r.code == 204
    assert not runs["a2"].dir.exists()
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "runs", rid)
    assert err.value.code == 404
