"""Report benchmark, one command: `.venv/bin/python benchmarks/bench_report.py [--quick]`.

Builds a store of 20 runs × 5 metrics × 100,000 steps (plus 600 system samples
per run) through the real tracker, then measures:
1. report() generation time (median of 3),
2. the HTML file's size (target < 10 MB),
3. the time headless Chromium (1280×800) takes to draw the first screen and then
   every chart (charts render lazily, visible ones first; median of 5 fresh
   pages; target < 2 s), with the CPU
   time Chromium spent, which contention on a shared machine does not inflate, and BokehJS's own
   "document idle" time from the same loads.
--quick: 5 runs × 20,000 steps (a smoke run, not the number for the README).
"""
from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import py_tracker as pt  # noqa: E402
from py_tracker.reporting import report  # noqa: E402

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def build_store(root: Path, runs: int, steps: int) -> float:
    t0 = time.perf_counter()
    for r in range(runs):
        run = pt.init(dir=root, project="bench", name=f"run-{r:02d}", group=f"g{r % 4}" if r >= 12 else None,
                      config={"lr": 10 ** -(1 + r % 4), "seed": r, "arch": ["mlp", "cnn"][r % 2]},
                      settings=QUIET, reinit="create_new")
        k = 1.0 + r / 10
        log = run.log
        for s in range(steps):
            e = math.exp(-s * k / steps * 5)
            spike = 5.0 if s % 9973 == 0 else 0.0
            log({"loss": e + spike + 0.01 * math.sin(s), "val_loss": e * 1.1, "acc": 1 - e,
                 "lr": 1e-3 * (1 - s / steps), "grad_norm": 0.5 + 0.1 * math.cos(s / 100)})
        for i in range(600):
            run._log_system({"system.cpu": 50 + 20 * math.sin(i / 30), "system.memory_percent": 40 + i / 60,
                             "system.proc.memory.rssMB": 800 + i})
        run.finish()
    return time.perf_counter() - t0


def _browser_cpu() -> float:
    """CPU seconds used so far by every Chromium process under this one (contention-proof cost)."""
    import psutil
    total = 0.0
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name():
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


FIRST_SCREEN = """() => {
  const charts = [...document.querySelectorAll('.chart')];
  return charts.filter(c => c.getBoundingClientRect().top < innerHeight)
               .every(c => c.hasAttribute('data-rendered'));
}"""


def open_times(path: Path, repeats: int) -> dict[str, list[float]]:
    """Per load: wall time until the first screen is drawn, until every chart has drawn
    (charts render lazily: visible first, the rest while idle), BokehJS's idle time, and
    the CPU seconds Chromium spent."""
    from playwright.sync_api import sync_playwright
    out: dict[str, list[float]] = {"fcp": [], "first": [], "all": [], "idle": [], "cpu": [], "charts": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for _ in range(repeats):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                idle: list[float] = []
                page.on("console", lambda m: idle.append(float(m.text.split("idle at ")[1].split(" ms")[0]))
                        if "document idle at" in m.text else None)
                c0 = _browser_cpu()
                t0 = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function(FIRST_SCREEN, polling=20, timeout=30_000)
                fcp = page.evaluate("() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime")
                out["fcp"].append(fcp / 1000 if fcp else float("nan"))
                out["first"].append(time.perf_counter() - t0)
                n = page.locator(".chart").count()
                page.wait_for_function(f"() => document.querySelectorAll('.chart[data-rendered]').length == {n}",
                                       polling=20, timeout=60_000)
                loc = page.locator(".chart")
                for i in range(n):
                    loc.nth(i).locator("canvas").first.wait_for(timeout=30_000)
                out["all"].append(time.perf_counter() - t0)
                out["cpu"].append(_browser_cpu() - c0)
                out["idle"].append(idle[0] / 1000 if idle else float("nan"))
                out["charts"].append(n)
                page.close()
        finally:
            browser.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", help="write the store and report under this folder instead of a temp dir")
    a = ap.parse_args()
    runs, steps = (5, 20_000) if a.quick else (20, 100_000)
    base = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="bench-report-"))
    root = base / "store"
    print(f"building {runs} runs × 5 metrics × {steps:,} steps in {root} ...", flush=True)
    build_s = build_store(root, runs, steps)
    print(f"  store built in {build_s:.1f} s", flush=True)
    out = base / "report.html"
    gen = []
    for _ in range(3):
        t0 = time.perf_counter()
        report("bench", root=root, path=out, title="Benchmark report")
        gen.append(time.perf_counter() - t0)
    size_mb = out.stat().st_size / 1e6
    if os.path.exists(CHROMIUM):
        t = {k: statistics.median(v) for k, v in open_times(out, 5).items()}
        load = (f"first paint {t['fcp']:.2f} s, first screen {t['first']:.2f} s, "
                f"all {int(t['charts'])} charts drawn {t['all']:.2f} s "
                f"(medians of 5; BokehJS first idle {t['idle']:.2f} s; Chromium CPU {t['cpu']:.2f} s)")
    else:
        load = "skipped (no /usr/bin/chromium)"
    print(f"report of {runs} runs × 5 metrics × {steps:,} steps:")
    print(f"  generation: {statistics.median(gen):.2f} s (median of 3)")
    print(f"  size:       {size_mb:.2f} MB (target < 10 MB)")
    print(f"  open in headless Chromium: {load} (target < 2 s)")
    print(f"  file: {out}")
    print(f"  machine load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
