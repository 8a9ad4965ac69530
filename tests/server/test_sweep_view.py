"""GET sweeps/<id>: the sidebar's sweep view (parallel axes, importance) of a real sweep run by
`py_tracker.sweep()` + `agent()` into a real store, served by the real handlers."""
from __future__ import annotations

import json
import time

import pytest
from tornado.httpclient import HTTPClientError

import py_tracker as pt

from .conftest import QUIET

API = ("py-tracker", "api", "v1")


@pytest.fixture
def grid_sweep(store_root):
    """5 trials of a grid over lr (float) × optimizer (categorical); `batch` has one value
    (swept but constant) and `epochs` is a config constant."""
    sid = pt.sweep({"method": "grid", "name": "grid <b>sweep</b>",
                    "metric": {"name": "val/loss", "goal": "minimize"},
                    "parameters": {"lr": {"values": [0.001, 0.01, 0.1]}, "optimizer": {"values": ["adam", "sgd"]},
                                   "batch": {"values": [32]}, "epochs": {"value": 2}}},
                   project="sweepy", root=store_root)

    def train() -> None:
        run = pt.init(settings=QUIET)
        factor = 1.0 if run.config.optimizer == "adam" else 2.0
        for i in range(run.config.epochs):
            run.log({"val/loss": run.config.lr * factor * (2 - i), "acc": 1 - run.config.lr})
        run.finish()

    assert pt.agent(sid, function=train, count=5, root=store_root) == 5
    return sid


async def test_sweep_view_axes_and_importance(get_json, grid_sweep):
    body = await get_json("sweeps", grid_sweep)
    view = body["view"]
    assert body["sweep"]["name"] == "grid <b>sweep</b>" and body["sweep"]["method"] == "grid"
    assert view["metric"] == {"name": "val/loss", "goal": "minimize"}
    assert view["params"] == ["batch", "lr", "optimizer"]  # the config constant `epochs` is not swept
    # grid order (sorted names, last fastest) over 5 of the 6 points
    trials = view["trials"]
    assert [t["number"] for t in trials] == [1, 2, 3, 4, 5]
    assert [(t["params"]["lr"], t["params"]["optimizer"]) for t in trials] == [
        (0.001, "adam"), (0.001, "sgd"), (0.01, "adam"), (0.01, "sgd"), (0.1, "adam")]
    assert all(t["state"] == "finished" and t["params"]["batch"] == 32 for t in trials)
    assert [t["metric"] for t in trials] == pytest.approx([0.001, 0.002, 0.01, 0.02, 0.1])
    assert {t["run_id"] for t in trials} == {t["id"] for t in body["trials"]}
    assert view["trial_count"] == len(trials) == 5  # all drawn (at most the newest 1,000 are)

    assert view["constant"] == [{"name": "batch", "value": 32}]  # one value over the trials: not drawn
    lr, opt, metric = view["axes"]
    assert (lr["name"], lr["kind"], opt["name"], opt["kind"]) == ("lr", "numeric", "optimizer", "categorical")
    assert lr["positions"][0] == 0 and lr["positions"][-1] == 1
    assert lr["positions"][2] == pytest.approx((0.01 - 0.001) / (0.1 - 0.001))
    labels = [t["label"] for t in lr["ticks"]]
    assert labels[0] == "0.001" and labels[-1] == "0.1" and len(labels) >= 3  # real values, not only the ends
    assert [t["label"] for t in opt["ticks"]] == ["adam", "sgd"]
    assert opt["positions"] == [0, 1, 0, 1, 0]
    assert (metric["name"], metric["role"], metric["kind"]) == ("val/loss", "metric", "numeric")
    assert (metric["lo"], metric["hi"]) == pytest.approx((0.001, 0.1))
    assert metric["positions"][0] == 0 and metric["positions"][-1] == 1

    imp = view["importance"]
    assert imp["metric"] == "val/loss" and imp["trials"] == 5 and imp["note"] == ""  # scikit-learn installed
    rows = {r["name"]: r for r in imp["rows"]}
    assert set(rows) == {"lr", "optimizer"}  # the constant `batch` is left out
    assert rows["lr"]["correlation"] > 0.9 and rows["optimizer"]["correlation"] is None
    assert sum(r["forest"] for r in imp["rows"]) == pytest.approx(1.0)
    assert view["metrics"] == ["val/loss", "acc"]


async def test_sweep_view_by_another_metric(jp_fetch, get_json, grid_sweep):
    view = (await get_json("sweeps", grid_sweep, metric="acc"))["view"]
    assert view["metric"]["name"] == "acc" and view["axes"][-1]["name"] == "acc"
    assert view["importance"]["metric"] == "acc"
    assert {r["name"]: r["correlation"] for r in view["importance"]["rows"]}["lr"] == pytest.approx(-1.0)
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "sweeps", grid_sweep, params={"metric": "nope"})
    assert err.value.code == 400
    assert "'nope'" in err.value.response.body.decode() and "val/loss, acc" in err.value.response.body.decode()


async def test_sweep_view_unknown_id_and_auth(jp_fetch, http_server_client, jp_base_url, grid_sweep):
    with pytest.raises(HTTPClientError) as err:
        await jp_fetch(*API, "sweeps", "no-such-sweep")
    assert err.value.code == 404 and "no sweep 'no-such-sweep'" in err.value.response.body.decode()
    r = await http_server_client.fetch(f"{jp_base_url}py-tracker/api/v1/sweeps/{grid_sweep}",
                                       raise_error=False, request_timeout=10)
    assert r.code == 403


async def test_sweep_view_of_a_sweep_without_trials(get_json, store_root):
    sid = pt.sweep({"method": "random", "metric": {"name": "loss"},
                    "parameters": {"lr": {"min": 0.0, "max": 1.0}}}, project="empty", root=store_root)
    view = (await get_json("sweeps", sid))["view"]
    assert view["trials"] == [] and view["trial_count"] == 0 and view["params"] == ["lr"]
    assert [a["name"] for a in view["axes"]] == ["lr", "loss"]
    assert view["importance"]["rows"] == [] and "0 trial(s)" in view["importance"]["note"]
    assert json.dumps(view)  # plain JSON


def test_a_running_trial_is_drawn_but_not_scored(store_root):
    """While a trial runs, its line is drawn (with its metric so far) but the importance is fitted
    on the ended trials only, as the sweep widget does. Read through the server's StoreReader from
    inside the running trial (the HTTP server's loop would be blocked by the agent here)."""
    from py_tracker.server.store import StoreReader
    sid = pt.sweep({"method": "grid", "metric": {"name": "loss"},
                    "parameters": {"lr": {"values": [0.1, 0.2, 0.3, 0.4]}}}, project="live", root=store_root)
    seen: list[dict] = []

    def train() -> None:
        run = pt.init(settings={**QUIET, "catalog_interval": 0.1})
        run.log({"loss": run.config.lr})
        deadline = time.monotonic() + 10
        while run.config.lr == 0.4 and time.monotonic() < deadline:  # until the catalog has its summary
            view = StoreReader(store_root).sweep(sid)["view"]
            if view["trials"][-1]["metric"] is not None:
                seen.append(view)
                break
            time.sleep(0.1)
        run.finish()

    assert pt.agent(sid, function=train, count=4, root=store_root) == 4
    (view,) = seen
    assert [t["state"] for t in view["trials"]] == ["finished"] * 3 + ["running"]
    assert view["trials"][-1]["metric"] == pytest.approx(0.4)  # drawn with its value so far
    assert view["importance"]["trials"] == 3  # scored: the three that ended
    done = StoreReader(store_root).sweep(sid)["view"]
    assert done["importance"]["trials"] == 4
