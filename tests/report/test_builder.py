"""report(): a self-contained HTML file with charts, tables, sweep view and reproduce blocks."""
from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.core.trial import TrialContext, joining
from py_tracker.errors import UsageError
from py_tracker.reporting import report
from py_tracker.storage.catalog import Catalog


def _html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_project_report_is_self_contained(root: Path, new_run, logged, tmp_path: Path) -> None:
    logged(new_run(name="alpha", config={"lr": 0.1, "opt": "adam"}))
    logged(new_run(name="beta", config={"lr": 0.2, "opt": "adam"}), offset=0.5)
    out = report("p", title="Week <12>", description="**bold** notes", root=root, path=tmp_path / "r.html")
    html = _html(out)
    assert out == (tmp_path / "r.html").resolve()
    assert "<title>Week &lt;12&gt;</title>" in html and "<strong>bold</strong>" in html
    # offline: no external resource of any kind, BokehJS inline, every script tag carries the nonce
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", html)
    assert "Content-Security-Policy" in html and "script-src 'nonce-" in html
    nonce = re.search(r"'nonce-([^']+)'", html).group(1)  # type: ignore[union-attr]
    scripts = re.findall(r"<script[^>]*>", html)
    code = [s for s in scripts if 'type="application/json"' not in s]
    assert code and all(f'nonce="{nonce}"' in s for s in code)
    # chart data blocks are inert JSON in which no "<" could end the block early
    for block in re.findall(r'<script type="application/json" id="[^"]+">(.*?)</script>', html, re.S):
        assert "<" not in block
    assert "Bokeh" in html
    assert re.findall(r'data-key="([^"]+)"', html) == ["acc", "loss", "nested.m", "system.cpu",
                                                       "system.memory_percent"]
    # config: lr differs (highlighted), opt does not
    assert re.search(r'<tr class="differs"><th>lr</th>', html)
    assert re.search(r"<tr><th>opt</th>", html)
    for section in ("runs", "charts", "system", "config", "summary", "reproduce"):
        assert f'id="{section}"' in html
    assert out.stat().st_size < 3_000_000


def test_metrics_filter_groups_and_options(root: Path, new_run, logged, tmp_path: Path) -> None:
    for i in range(3):
        logged(new_run(name=f"seed{i}", group="baseline"), offset=i / 10)
    logged(new_run(name="solo"))
    html = _html(report("p", root=root, metrics=["loss"], system=False, path=tmp_path / "a.html"))
    assert re.findall(r'data-key="([^"]+)"', html) == ["loss"]
    assert "baseline (mean of 3, band min–max)" in html
    html = _html(report("p", root=root, metrics=["loss"], group_runs=False, path=tmp_path / "b.html"))
    assert "mean of" not in html and "seed2" in html
    with pytest.raises(UsageError, match="one of"):
        report("p", project="p", root=root)
    with pytest.raises(UsageError, match="sections"):
        report("p", root=root, sections=[42], path=tmp_path / "c.html")
    with pytest.raises(UsageError, match="max_points"):
        report("p", root=root, max_points=2)


def test_sweep_report_shows_best_run_and_parallel_coordinates(root: Path, logged, tmp_path: Path) -> None:
    sweep = {"id": "sw1", "project": "p", "name": "lr-search", "state": "finished", "created_at": time.time(),
             "config": {"method": "grid", "metric": {"name": "val_loss", "goal": "minimize"},
                        "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "opt": {"values": ["sgd", "adam"]}}},
             "trials": []}
    Catalog(root).insert_new("sweeps", sweep)
    ids = {}
    for lr, opt, val in ((0.1, "sgd", 0.9), (0.01, "adam", 0.2), (0.001, "sgd", 0.5)):
        with joining(TrialContext("sw1", "p", config={"lr": lr, "opt": opt}, root=str(root))):
            run = pt.init(settings={"monitor_interval": None, "capture_output": False, "display": False,
                                    "save_code": False}, name=f"trial-{lr}")
        run.summary["val_loss"] = val
        ids[lr] = run.id
        logged(run, steps=20)
    html = _html(report(sweep="sw1", root=root, path=tmp_path / "s.html"))
    assert "<title>Sweep lr-search</title>" in html
    best = re.search(r'<div class="best">.*?</div>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "trial-0.01" in best and ids[0.01] in best and "val_loss = 0.2" in best
    assert 'data-key="parallel-coordinates"' in html
    assert html.index('id="sweep"') < html.index('id="charts"')
    # parameter importance over the 3 trials: lr (r = +0.89 with val_loss) and opt (categorical: no r)
    imp = re.search(r"<div class='py-tracker-importance'>.*?</table>", html, re.S).group(0)  # type: ignore[union-attr]
    assert "3 trials" in imp and "<code>lr</code>" in imp and "<code>opt</code>" in imp and "+0.8" in imp


def test_reproduce_section(root: Path, new_run, tmp_path: Path) -> None:
    from py_tracker.environment import write_run_environment
    run = new_run(name="repro", config={"epochs": 3})
    write_run_environment(run.dir, started_at=time.time(), program=str(Path(__file__)))
    code = run.dir / "code" / "train.py"
    code.parent.mkdir(parents=True)
    code.write_text("print('<script>alert(1)</script>')\n")
    run.log({"loss": 1.0})
    run.finish()
    html = _html(report(run.id, root=root, path=tmp_path / "r.html"))
    repro = html[html.index('id="reproduce"'):]
    assert "pip install -r requirements.txt" in repro and "requirements.txt (" in repro
    assert "code/train.py" in repro and "print(&#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;)" in repro
    assert '&quot;epochs&quot;: 3' in repro
    meta = pt.Api(root).run(run.id).metadata
    if (meta.get("git") or {}).get("commit"):
        assert f"git checkout {meta['git']['commit']}" in repro


def test_report_stays_the_function_after_the_package_is_imported(root: Path, new_run, logged, tmp_path: Path) -> None:
    import types

    import py_tracker.reporting.builder  # noqa: F401  (the package is `reporting`: no name clash)
    logged(new_run())
    assert not isinstance(pt.report, types.ModuleType) and pt.report is py_tracker.reporting.builder.report
    assert pt.report("p", root=root, path=tmp_path / "f.html").is_file()


def test_report_of_runs_without_metrics(root: Path, new_run, tmp_path: Path) -> None:
    run = new_run(name="empty")
    run.finish()
    html = _html(report([run.id], root=root, path=tmp_path / "e.html"))
    assert "logged no numeric metrics" in html and "<script" not in html


def test_lineage_section_when_runs_have_artifacts(root: Path, new_run, logged, tmp_path: Path) -> None:
    from py_tracker.artifacts import Artifact
    producer = new_run(name="make-data")
    art = Artifact("data", "dataset")
    with art.new_file("rows.csv") as f:
        f.write("1\n")
    producer.log_artifact(art)
    logged(producer)
    consumer = new_run(name="consume")
    consumer.use_artifact("data:v0")
    logged(consumer)
    html = _html(report("p", root=root, path=tmp_path / "l.html"))
    section = html[html.index('id="lineage"'):html.index('id="config"')]
    assert "<svg" in section and "p/data:v0" in section and "make-data" in section and "consume" in section
    plain = new_run(project="q", name="plain")
    logged(plain)
    assert 'id="lineage"' not in _html(report("q", root=root, path=tmp_path / "q.html"))


def test_sweep_report_importance_leaves_out_constants_and_reads_define_metric_summaries(
        root: Path, logged, tmp_path: Path) -> None:
    sweep = {"id": "sw2", "project": "p", "name": "drive", "state": "finished", "created_at": time.time(),
             "config": {"method": "random", "metric": {"name": "val/loss", "goal": "minimize"},
                        "parameters": {"lr": {"min": 0.0, "max": 1.0}, "width": {"values": [8, 16]},
                                       "epochs": {"value": 3}}},
             "trials": []}
    Catalog(root).insert_new("sweeps", sweep)
    for i, (lr, width) in enumerate(((0.1, 8), (0.3, 16), (0.5, 8), (0.7, 16), (0.9, 8), (0.2, 16))):
        with joining(TrialContext("sw2", "p", root=str(root), config={"lr": lr, "width": width, "epochs": 3})):
            run = pt.init(settings={"monitor_interval": None, "capture_output": False, "display": False,
                                    "save_code": False}, name=f"t{i}")
        run.define_metric("val/loss", summary="min")
        run.log({"val/loss": 2 * lr + 0.5})
        run.log({"val/loss": 2 * lr})  # min: 2 * lr — lr alone drives it
        run.finish()
    html = _html(report(sweep="sw2", root=root, path=tmp_path / "s2.html"))
    imp = re.search(r"<div class='py-tracker-importance'>.*?</div>", html, re.S).group(0)  # type: ignore[union-attr]
    assert "6 trials" in imp and "+1.000" in imp  # r(lr, min val/loss) = 1
    assert imp.index("<code>lr</code>") < imp.index("<code>width</code>") and "epochs" not in imp
