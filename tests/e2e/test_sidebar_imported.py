"""Imported runs in a real JupyterLab + Chromium (issue 15): W&B offline runs (real wandb),
TensorBoard logs (torch's SummaryWriter) and an MLflow file store (real mlflow) are written by
the scripts the importer tests use, imported with the `py-tracker import` CLI into the lab's
store, and then: every imported run is listed in the sidebar with the line "imported from
<source>: <path>" (a run recorded here has none), its run view's header says the same, and
its chart draws the imported points: as many as were logged, the first and last ones read
back by hovering the chart's ends."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from py_tracker.api import Api

from .conftest import REPO

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError
MAKERS = REPO / "tests" / "importers"
CLI = str(Path(sys.executable).with_name("py-tracker"))


def _make(script: str, *args: str, **env: str) -> None:
    proc = subprocess.run([sys.executable, str(MAKERS / script), *args], env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _import(store: Path, kind: str, path: Path) -> str:
    proc = subprocess.run([CLI, "--dir", str(store), "import", kind, str(path)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


PAD_LEFT, PAD_RIGHT = 52, 12  # chart.ts PAD: the plot's margins in CSS pixels


def _nearest(xs: list[int], x: float) -> int:
    """chart.ts nearestIndex: the index of the x nearest to `x` (the lower one on a tie)."""
    lo, hi = 0, len(xs) - 1
    while hi - lo > 1:
        mid = (lo + hi) >> 1
        if xs[mid] < x:
            lo = mid
        else:
            hi = mid
    return lo if abs(xs[lo] - x) <= abs(xs[hi] - x) else hi


def _tick(v: float) -> str:
    """The chart's hover label of a number (scale.ts tickLabel), for values in [1e-3, 1e5)."""
    assert v == 0 or 1e-3 <= abs(v) < 1e5
    return repr(float(f"{v:.4g}")).removesuffix(".0")


@pytest.fixture(scope="module")
def sources(lab, tmp_path_factory) -> dict:
    """Make the three sources, import them into the lab's store, and return what was logged."""
    base = tmp_path_factory.mktemp("sources")
    wandb_dir = base / "wandb-src"
    wandb_dir.mkdir()
    _make("make_wandb.py", str(wandb_dir), WANDB_MODE="offline", WANDB_DIR=str(wandb_dir))
    _make("make_tensorboard.py", str(base / "tb" / "logs"))
    _make("make_mlflow.py", (base / "mlruns").as_uri(), (base / "artifacts").as_uri(), str(base / "mlflow.json"))
    out = {"wandb": _import(lab.store, "wandb", wandb_dir / "wandb"),
           "tensorboard": _import(lab.store, "tensorboard", base / "tb" / "logs"),
           "mlflow": _import(lab.store, "mlflow", base / "mlruns")}
    assert "imported 2 run(s) from wandb" in out["wandb"], out
    assert "imported 3 run(s) from tensorboard" in out["tensorboard"], out
    assert "imported 2 run(s) from mlflow" in out["mlflow"], out
    import py_tracker as pt
    live = pt.init(project="here", name="recorded-here", dir=lab.store,
                   settings={"display": False, "monitor_interval": None, "capture_output": False,
                             "save_code": False})
    live.log({"loss": 0.5})
    live.finish()
    runs = {(r.to_dict().get("imported") or {}).get("source", "here") + ":" + r.name: r.to_dict()
            for r in Api(lab.store).runs()}
    assert len(runs) == 8, sorted(runs)
    wandb_rows = json.loads((wandb_dir / "expected.json").read_text())
    tb = json.loads((base / "tb" / "expected.json").read_text())
    ml = json.loads((base / "mlflow.json").read_text())
    ml_loss = {e["name"]: [(s, v) for k, s, v, _ in e["points"] if k == "loss"] for e in ml}
    # what each checked chart must draw: (source:name, key) -> [(step, value)] as logged
    logged = {
        ("wandb:first", "loss"): [(i, row["loss"]) for i, row in enumerate(wandb_rows[0]["rows"])],
        ("wandb:second", "val"): [(row["_step"], row["val"]) for row in wandb_rows[1]["rows"]],
        ("tensorboard:train", "loss"): [(s, float(np.float32(v))) for s, v in tb["train"]["loss"]],
        ("tensorboard:eval", "score"): [(s, float(np.float32(v))) for s, v in tb["eval"]["score"]],
        ("mlflow:good", "loss"): ml_loss["good"],
        ("mlflow:bad", "loss"): ml_loss["bad"],
    }
    return {"runs": runs, "logged": logged}


def _open_sidebar(page) -> None:
    page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
    page.wait_for_selector(".jp-PyTracker-sidebar", state="visible")


def test_imported_runs_are_listed_with_where_they_came_from(lab, page, sources):
    _open_sidebar(page)
    runs = sources["runs"]
    for label, rec in runs.items():
        row = page.locator(f".jp-PyTracker-runRow[data-run-id='{rec['id']}']")
        row.wait_for(timeout=60_000)
        assert row.locator(".jp-PyTracker-runName").text_content() == rec["name"]
        mark = row.locator(".jp-PyTracker-imported")
        imported = rec.get("imported")
        if imported is None:
            assert label == "here:recorded-here" and mark.count() == 0
            continue
        assert mark.text_content() == f"imported from {imported['source']}: {imported['path']}", label
        assert mark.get_attribute("data-source") == imported["source"]
        assert mark.is_visible()
    lab.screenshot(page, "imported-01-sidebar")


def test_imported_runs_open_with_the_mark_and_their_points_drawn(lab, page, sources):
    _open_sidebar(page)
    runs = sources["runs"]
    for (label, key), points in sources["logged"].items():
        rec = runs[label]
        row = page.locator(f".jp-PyTracker-runRow[data-run-id='{rec['id']}']")
        row.wait_for(timeout=60_000)
        row.locator(".jp-PyTracker-runName").click()
        view = page.locator(f"#py-tracker-run-{rec['id']}")
        header = view.locator(".jp-PyTracker-importedLines .jp-PyTracker-imported")
        header.wait_for(timeout=20_000)
        assert header.text_content() == f"imported from {rec['imported']['source']}: {rec['imported']['path']}"
        chart = view.locator(f".jp-PyTracker-chart[data-key='{key}']")
        chart.wait_for(timeout=20_000)
        page.wait_for_function(
            "([id, key, n]) => { const c = document.querySelector(`#py-tracker-run-${id} "
            ".jp-PyTracker-chart[data-key='${key}']`); return c && c.dataset.points === String(n) && c.dataset.drawMs; }",
            arg=[rec["id"], key, len(points)], timeout=20_000)
        # hover across the plot, both ends included: the read-out names the logged point nearest
        # to the mouse (worked out here the way chart.ts does, from the offset the canvas saw)
        canvas = chart.locator("canvas")
        canvas.scroll_into_view_if_needed()
        readout = chart.locator(".jp-PyTracker-chartReadout")
        steps = [st for st, _ in points]
        # (the plot's edges included; the padding outside the plot shows no read-out since the
        # charts zoom and hover together)
        for frac in (0.0, 0.1, 0.27, 0.5, 0.73, 0.9, 1.0):
            px, css_w = canvas.evaluate(
                "(c, frac) => { const r = c.getBoundingClientRect(); const w = c.clientWidth - 64;"
                " const x = Math.ceil(r.left + 52 + frac * (w - 1));"
                " let seen = null; const f = e => { seen = e.clientX - c.getBoundingClientRect().left; };"
                " c.addEventListener('mousemove', f);"
                " c.dispatchEvent(new MouseEvent('mousemove', {clientX: x, clientY: r.top + r.height / 2, bubbles: true}));"
                " c.removeEventListener('mousemove', f); return [seen, c.clientWidth]; }", frac)
            x0, x1 = min(steps), max(steps)
            xv = x0 + ((px - PAD_LEFT) / (css_w - PAD_LEFT - PAD_RIGHT)) * (x1 - x0)
            step, value = points[_nearest(steps, xv)]
            if frac == 0.0:  # the plot's left edge: the first point (or the second, on a narrow chart)
                assert steps.index(step) <= 1, (px, xv)
            if frac == 1.0:  # the right edge: the last point (or the one before, on a narrow chart)
                assert steps.index(step) >= len(steps) - 2, (px, xv)
            want = f"{key}={_tick(value)} @{step}"
            try:
                page.wait_for_function("([sel, want]) => document.querySelector(sel)?.textContent === want",
                                       arg=[f"#py-tracker-run-{rec['id']} .jp-PyTracker-chart[data-key='{key}'] "
                                            ".jp-PyTracker-chartReadout", want], timeout=10_000)
            except PlaywrightTimeout:
                pass  # the assertion below says what was shown instead
            assert readout.text_content() == want, (label, key, frac, px, css_w)
        lab.screenshot(page, f"imported-02-{label.replace(':', '-').replace('/', '-')}")
