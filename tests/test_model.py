"""watch/unwatch with a real torch module trained on the CPU, read back through the store."""
from __future__ import annotations

import sys

import numpy as np
import orjson
import pytest
import torch
from torch import nn

import py_tracker as pt
from py_tracker.errors import NoActiveRunError, UsageError
from py_tracker.media import from_json
from py_tracker.model import tensor_histogram, unwatch, watch


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
        self.frozen = nn.Linear(3, 2)
        self.frozen.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.frozen(self.body(x))


@pytest.fixture
def run(tmp_path):
    r = pt.init(project="model-test", dir=tmp_path)
    yield r
    r.finish()


def _train(model: nn.Module, steps: int, seed: int = 0) -> None:
    torch.manual_seed(seed)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    x, y = torch.randn(16, 4), torch.randn(16, 2)
    for i in range(steps):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        pt.log({"loss": loss.item()})


def _history(tmp_path, run_id: str) -> list[dict]:
    return pt.Api(tmp_path).run(run_id).history(pandas=False)


def test_model_json_tree_and_summary(run):
    model = Net()
    watch(model, log=None)
    doc = orjson.loads((run.dir / "model.json").read_bytes())
    (rec,) = doc["models"]
    assert rec["type"] == "Net" and rec["idx"] == 0
    assert rec["total_params"] == 4 * 8 + 8 + 8 * 3 + 3 + 3 * 2 + 2 == 75
    assert rec["trainable_params"] == 67 and rec["non_trainable_params"] == 8
    mods = {m["name"]: m for m in rec["modules"]}
    assert mods["body.0"]["type"] == "Linear" and mods["body.0"]["parent"] == "body"
    assert mods["body.0"]["params"][0] == {
        "name": "weight", "shape": [8, 4], "numel": 32, "trainable": True, "dtype": "float32"}
    assert mods["frozen"]["trainable"] is False and mods["body"]["trainable"] is True
    assert mods[""]["children"] == ["body", "frozen"] and mods["body"]["total_params"] == 67
    assert mods["body.1"]["params"] == [] and mods["body.1"]["trainable"] is None
    assert [p["name"] for p in rec["parameters"]][:2] == ["body.0.weight", "body.0.bias"]
    assert rec["watch"] == {"log": None, "log_freq": 1000, "log_graph": True, "active": True, "criterion": None}
    assert run.summary["model/parameters"] == 75


def test_graph_shapes_recorded_on_first_forward(run):
    model = Net()
    watch(model, log=None, log_graph=True)
    model(torch.randn(5, 4))
    rec = orjson.loads((run.dir / "model.json").read_bytes())["models"][0]
    mods = {m["name"]: m for m in rec["modules"]}
    assert rec["graph"] is True
    assert mods[""]["input_shape"] == [[5, 4]] and mods[""]["output_shape"] == [5, 2]
    assert mods["body.0"]["output_shape"] == [5, 8]
    assert all(len(m._forward_hooks) == 0 for m in model.modules())  # graph hooks removed


def test_gradient_histograms_every_log_freq_steps(run, tmp_path):
    model = Net()
    watch(model, log="gradients", log_freq=2, log_graph=False)
    _train(model, 5)
    run.finish()
    rows = _history(tmp_path, run.id)
    key = "gradients/body.0.weight"
    with_hist = [r["_step"] for r in rows if r.get(key) is not None]
    assert with_hist == [1, 3]  # the 2nd and 4th backward pass (W&B counting)
    assert not any(k.startswith("gradients/frozen") for r in rows for k in r)  # no grad: no hook
    assert not any(k.startswith("parameters/") for r in rows for k in r)
    entry = next(r[key] for r in rows if r.get(key) is not None)
    assert entry["_type"] == "histogram"
    counts, edges = from_json(entry, run.dir)
    assert counts.sum() == 32 and len(edges) == 65


def test_parameter_histograms_match_the_weights(run, tmp_path):
    model = Net()
    watch(model, log="parameters", log_freq=3, log_graph=False)
    torch.manual_seed(0)
    x = torch.randn(2, 4)
    for _ in range(3):
        model(x)
        pt.log({"tick": 1})
    weight = model.frozen.weight.detach().numpy().ravel()
    run.finish()
    rows = _history(tmp_path, run.id)
    hits = [r for r in rows if r.get("parameters/frozen.weight") is not None]
    assert [r["_step"] for r in hits] == [2]
    counts, edges = from_json(hits[0]["parameters/frozen.weight"], run.dir)
    assert counts.sum() == weight.size
    np.testing.assert_allclose([edges[0], edges[-1]], [weight.min(), weight.max()], rtol=1e-6)
    assert not any(k.startswith("gradients/") for r in rows for k in r)


def test_all_unwatch_and_second_model_prefix(run, tmp_path):
    a, b = Net(), nn.Linear(4, 2)
    watch(a, log="all", log_freq=1, log_graph=False)
    watch(b, log="gradients", log_freq=1, log_graph=False)
    _train(a, 1)
    b(torch.randn(3, 4)).sum().backward()
    pt.log({"after_b": 1})
    unwatch(a)
    _train(a, 2)
    unwatch()
    b(torch.randn(3, 4)).sum().backward()
    pt.log({"end": 1})
    doc = orjson.loads((run.dir / "model.json").read_bytes())
    assert [(m["idx"], m["type"], m["watch"]["active"]) for m in doc["models"]] == [(0, "Net", False), (1, "Linear", False)]
    assert run.summary["model/parameters"] == 75 + 10
    run.finish()
    rows = _history(tmp_path, run.id)
    keys = [sorted(k for k in r if "/" in k) for r in rows]
    assert "gradients/body.0.weight" in keys[0] and "parameters/body.0.weight" in keys[0]
    assert keys[1] == ["gradients/graph_1bias", "gradients/graph_1weight"]  # W&B's prefix for idx 1
    assert keys[2:] == [[], [], []]  # nothing after unwatch
    assert all(len(p._backward_hooks or {}) == 0 for p in a.parameters())


def test_rewatch_replaces_hooks_and_finish_removes_them(run, tmp_path):
    model = Net()
    watch(model, log="gradients", log_freq=1, log_graph=False)
    watch(model, log="gradients", log_freq=1, log_graph=False)
    doc = orjson.loads((run.dir / "model.json").read_bytes())
    assert [m["idx"] for m in doc["models"]] == [0]
    _train(model, 1)
    run.finish()
    rows = _history(tmp_path, run.id)
    assert "gradients/body.0.weight" in rows[0]
    assert all(not p._backward_hooks for p in model.parameters())
    _train_no_log(model)  # hooks gone: training after finish must not touch the finished run


def _train_no_log(model: nn.Module) -> None:
    model(torch.randn(2, 4)).sum().backward()


def test_errors(tmp_path, monkeypatch):
    pt.finish()
    with pytest.raises(NoActiveRunError, match="init"):
        watch(Net())
    r = pt.init(project="model-test", dir=tmp_path)
    try:
        with pytest.raises(UsageError, match="torch.nn.Module"):
            watch(object())
        with pytest.raises(UsageError, match="log="):
            watch(Net(), log="weights")
        with pytest.raises(UsageError, match="log_freq"):
            watch(Net(), log_freq=0)
        monkeypatch.setitem(sys.modules, "torch", None)  # as if torch were not installed
        with pytest.raises(ImportError, match="pip install torch"):
            watch(Net())
    finally:
        r.finish()


def test_tensor_histogram_edge_cases():
    assert tensor_histogram(torch.tensor([float("nan"), float("inf")])) is None
    h = tensor_histogram(torch.full((10,), 2.0))
    assert sum(h.histogram) == 10 and h.bins[0] == 1.5 and h.bins[-1] == 2.5
    h2 = tensor_histogram(torch.arange(100, dtype=torch.int64), bins=10)
    assert h2.histogram == [10] * 10
