"""How long the JupyterLab sidebar takes to show the runs list, as the store grows.

One command: `python benchmarks/bench_sidebar_open.py [--sizes 0,1000,100000] [--repeat 5]`.
For each size a store of that many finished runs (the catalog format today's code writes,
`bench_store.build_store`) is served by a real JupyterLab with py_tracker's server and lab
extensions; a fresh Chromium page loads JupyterLab and the clock starts with the click on the
sidebar's icon and stops when the first page of run rows is drawn (the count of rows the
sidebar says it has equals the store's). Reported per size: the median and the slowest of
`--repeat` opens, and the ratio to the smallest store, measured in the same run (how the cost
grows with the runs). Needs Chromium (`PY_TRACKER_CHROMIUM`, default /usr/bin/chromium) and the
built lab extension (`jlpm build`).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

from bench_store import build_store  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, lab_dirs, running_lab  # noqa: E402

ROW = ".jp-PyTracker-runRow"


def _open_ms(browser, lab, n: int) -> float:  # type: ignore[no-untyped-def]
    """One open: a fresh page, JupyterLab started, then click -> the first page of rows drawn."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        page.goto(lab.lab_url(), wait_until="domcontentloaded")
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started !== undefined", timeout=120_000)
        page.evaluate("() => window.jupyterapp.started")
        page.wait_for_selector('.jp-SideBar li[data-id="py-tracker-sidebar"]', timeout=120_000)
        t0 = page.evaluate("() => performance.now()")
        page.click('.jp-SideBar li[data-id="py-tracker-sidebar"]')
        if n:
            page.wait_for_selector(ROW, timeout=120_000)
        else:
            page.wait_for_selector(".jp-PyTracker-sidebar", state="visible", timeout=120_000)
        t1 = page.evaluate("() => performance.now()")
        if n:
            total = page.evaluate("() => document.querySelector('.jp-PyTracker-sidebar').textContent")
            assert f"{n:,}" in total or str(n) in total, f"the sidebar does not say {n} runs: {total[:300]}"
        return t1 - t0
    finally:
        context.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="0,1000,100000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright
    results: dict[int, list[float]] = {}
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        for n in sizes:
            base = Path(tmp) / f"s{n}"
            base.mkdir()
            dirs = lab_dirs(base)
            t = time.perf_counter()
            build_store(dirs["store"], n)
            built = time.perf_counter() - t
            (dirs["labext"] / "py_tracker").symlink_to(REPO / "py_tracker" / "labextension")
            (dirs["config"] / "jupyter_server_config.json").write_text(json.dumps({
                "ServerApp": {"jpserver_extensions": {"py_tracker": True}},
                "LabServerApp": {"extra_labextensions_path": [str(dirs["labext"])]}}))
            argv = [sys.executable, "-m", "jupyterlab", "--allow-root", f"--ServerApp.root_dir={dirs['root']}"]
            with running_lab(argv, dirs["root"], dirs, dirs["root"]) as lab:
                _open_ms(browser, lab, n)  # warm: the server's first read of the store, the browser cache
                results[n] = [_open_ms(browser, lab, n) for _ in range(args.repeat)]
            print(f"{n:>7} runs (store built in {built:.1f} s): open median {statistics.median(results[n]):.0f} ms,"
                  f" slowest {max(results[n]):.0f} ms", flush=True)
        browser.close()
    base_n = sizes[0]
    base = statistics.median(results[base_n])
    print(f"\nsidebar open, click -> first page of rows drawn (median of {args.repeat}, after one warm-up):")
    for n in sizes:
        med = statistics.median(results[n])
        print(f"  {n:>7} runs: {med:6.0f} ms  ({med / base:.2f}x the {base_n}-run store)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
