"""Contract: every sweep strategy through every trial runner.

Strategies: grid, random, bayes (`sweep.strategy.make_strategy`). Runners: a Python
function in this process (`agent(function=...)`), a `%%track --id` notebook cell re-run by
the sweep widget in a real IPython shell (`sweep_widget(sweep_id=..., cell=...)`), a
command in a subprocess (`agent()` with the sweep's `program`), and a real Dask
`LocalCluster` (`agent(executor=client, parallel=2)`). For each pair, one sweep over the
same space (a constant, a categorical, an int range, a float range, a nested parameter;
/work/shared/spec/sweep-config.md) with `run_cap` below what the agent is asked for:
- every trial's config is a valid point of the space (constants and nesting included);
- `run_cap` is honoured (the agent starts exactly run_cap trials; a second agent none);
- every trial is recorded finished with its history and its summary;
- the best run (`Api().sweep(id).best_run()`) is the trial with the lowest loss.
Early termination (hyperband), where a runner can stop a trial while it runs: every runner.
"""
from __future__ import annotations

import sys
import textwrap
import time
from pathlib import Path

import pytest

import py_tracker as pt

STRATEGIES = ["grid", "random", "bayes"]
RUNNERS = ["function", "cell", "subprocess", "dask"]
RUN_CAP = 4
SPACE = {"k": {"value": 3}, "opt": {"values": ["adam", "sgd"]}, "layers": {"min": 1, "max": 3},
         "lr": {"distribution": "q_uniform", "min": 0.1, "max": 0.5, "q": 0.1},
         "net": {"parameters": {"width": {"values": [8, 16]}}}}
ROWS = 5

TRAIN = textwrap.dedent("""
    import py_tracker as pt
    run = pt.init(settings={"monitor_interval": None, "save_code": False})
    c = run.config
    loss = c["lr"] * c["layers"] + (0.0 if c["opt"] == "adam" else 1.0) + c["net"]["width"] / 100
    for i in range(ROWS):
        pt.log({"loss": loss + (ROWS - 1 - i) * 0.01})
    pt.finish()
""").replace("ROWS", str(ROWS))


def train() -> None:
    """The same trial for the in-process and Dask runners (the subprocess runs TRAIN)."""
    exec(compile(TRAIN, "<trial>", "exec"), {})


def expected_loss(cfg: dict) -> float:
    return cfg["lr"] * cfg["layers"] + (0.0 if cfg["opt"] == "adam" else 1.0) + cfg["net"]["width"] / 100


def valid(cfg: dict) -> bool:
    lr_ok = isinstance(cfg["lr"], float) and 0.1 - 1e-9 <= cfg["lr"] <= 0.5 + 1e-9 and \
        abs(round(cfg["lr"] / 0.1) * 0.1 - cfg["lr"]) < 1e-9
    return (cfg["k"] == 3 and cfg["opt"] in ("adam", "sgd") and isinstance(cfg["layers"], int)
            and 1 <= cfg["layers"] <= 3 and lr_ok and cfg["net"] == {"width": cfg["net"]["width"]}
            and cfg["net"]["width"] in (8, 16))


@pytest.fixture(scope="module")
def shell(ipython_shell):
    """A real IPython shell with the training cells registered through `%%track --id`."""
    ip = ipython_shell
    ip.run_line_magic("load_ext", "py_tracker")
    ip.run_cell("import py_tracker as pt")
    for cell, body in (("contract_train", TRAIN), ("contract_hb", HB_TRAIN)):
        body = body.replace("import py_tracker as pt\n", "").replace("pt.finish()\n", "")
        body = body.replace('run = pt.init(settings={"monitor_interval": None, "save_code": False})\n',
                            "run = pt.run\n")
        warm = 'dict(lr=0.1, layers=1, opt="adam", net={"width": 8}, x=0)'
        ip.run_cell_magic("track", f"--project warmup --id {cell} --no-display --config {warm}",
                          body.replace("run.config", "pt.config"))
    return ip


def run_cell_sweep(sid: str, cell: str, count: int | None, ip) -> int:
    from py_tracker.errors import UsageError
    from py_tracker.notebook.sweep.control import sweep_widget
    try:
        w = sweep_widget(sweep_id=sid, cell=cell, count=count, shell=ip)
    except UsageError as exc:  # the widget refuses an ended sweep up front, saying why
        assert "run_cap 4 reached" in str(exc)
        return 0
    try:
        if not w.start():
            return 0
        assert w.wait(120)
        return len(w.rows)
    finally:
        w.close()


def run_agent(runner: str, sid: str, request, count: int | None, tmp_path: Path) -> int:
    if runner == "function":
        return pt.agent(sid, function=train, count=count)
    if runner == "cell":
        return run_cell_sweep(sid, "contract_train", count, request.getfixturevalue("shell"))
    if runner == "subprocess":
        return pt.agent(sid, count=count)
    return pt.agent(sid, function=train, count=count, executor=request.getfixturevalue("local_dask_client"), parallel=2)


def make_sweep(method: str, runner: str, tmp_path: Path, **extra) -> str:
    cfg = {"method": method, "metric": {"name": "loss", "goal": "minimize"}, "run_cap": RUN_CAP,
           "parameters": SPACE, **extra}
    if runner == "subprocess":
        script = tmp_path / "train.py"
        script.write_text(TRAIN)
        cfg["program"] = str(script)
        cfg["command"] = [sys.executable, "${program}"]
    return pt.sweep(cfg, project=f"c-{method}-{runner}")


@pytest.mark.parametrize("runner", RUNNERS)
@pytest.mark.parametrize("method", STRATEGIES)
def test_strategy_through_runner(store, request, tmp_path, method, runner):
    sid = make_sweep(method, runner, tmp_path)
    started = run_agent(runner, sid, request, RUN_CAP + 3, tmp_path)
    assert started == RUN_CAP, f"{method}/{runner}: {started} trials for run_cap {RUN_CAP}"
    assert run_agent(runner, sid, request, 2, tmp_path) == 0  # the cap holds for a later agent too
    handle = pt.Api().sweep(sid)
    runs = handle.runs
    assert len(runs) == RUN_CAP
    configs = [r.config for r in runs]
    assert all(valid(c) for c in configs), configs
    if method == "grid":  # grid never repeats a point
        assert len({repr(sorted(c.items())) for c in configs}) == RUN_CAP
    for r in runs:
        assert r.state == "finished", (method, runner, r.state)
        want = expected_loss(r.config)
        h = r.history(pandas=False)
        assert [row["_step"] for row in h] == list(range(ROWS))
        assert h[-1]["loss"] == pytest.approx(want) and r.summary["loss"] == pytest.approx(want)
        assert r.sweep_id == sid
    best = handle.best_run()
    lowest = min(runs, key=lambda r: r.summary["loss"])
    assert best is not None and best.id == lowest.id, (method, runner)


HB_TRAIN = textwrap.dedent("""
    import time
    import py_tracker as pt
    run = pt.init(settings={"monitor_interval": None, "save_code": False})
    x = run.config["x"]
    for i in range(30 if x == 0 else 400):
        pt.log({"loss": 0.0 if x == 0 else 10.0 + x})
        time.sleep(0.05)
    pt.finish()
""")


def hb_train() -> None:
    exec(compile(HB_TRAIN, "<trial>", "exec"), {})


@pytest.mark.parametrize("runner", RUNNERS)
def test_hyperband_stops_bad_trials_through_runner(store, request, tmp_path, runner):
    cfg = {"method": "grid", "metric": {"name": "loss", "goal": "minimize"},
           "early_terminate": {"type": "hyperband", "min_iter": 3, "eta": 3},
           "parameters": {"x": {"values": [0, 1, 2]}}}
    if runner == "subprocess":
        script = tmp_path / "hb.py"
        script.write_text(HB_TRAIN)
        cfg.update(program=str(script), command=[sys.executable, "${program}"])
    sid = pt.sweep(cfg, project=f"hb-{runner}")
    t0 = time.monotonic()
    if runner == "function":
        n = pt.agent(sid, function=hb_train)
    elif runner == "cell":
        n = run_cell_sweep(sid, "contract_hb", None, request.getfixturevalue("shell"))
    elif runner == "subprocess":
        n = pt.agent(sid)
    else:
        n = pt.agent(sid, function=hb_train, executor=request.getfixturevalue("local_dask_client"), parallel=2)
    assert n == 3
    got = {r.config["x"]: r for r in pt.Api().sweep(sid).runs}
    assert got[0].state == "finished" and len(got[0].history(pandas=False)) == 30
    for x in (1, 2):
        r = got[x]
        assert r.state == "stopped" and r.to_dict().get("stop_reason") == "hyperband", (runner, x, r.state)
        assert 3 <= len(r.history(pandas=False)) < 400
    assert time.monotonic() - t0 < 3 * 400 * 0.05  # stopped, not run to the end
