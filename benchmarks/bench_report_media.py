"""Size of a report's Images and Histograms sections, one command:
`.venv/bin/python benchmarks/bench_report_media.py [--steps 100] [--images 4] [--side 512]`.

Logs, through the real tracker, one run of `--steps` steps × `--images` images of `--side` ×
`--side` px (plus a 64-bin histogram and a `loss` a step), twice: smooth pictures (gradients, which PNG
compresses well) and uniform noise (the worst case for any compression). For each it writes the
report with the default settings and with `media=False` (the baseline, same run, same store:
its loss chart and BokehJS)
and prints both sizes, their ratio, the bytes per inlined image and the generation times.
The bounds (20 steps a key, 256 px a side, PNG up to 48 KB else JPEG) are in
`py_tracker.reporting.media`.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import py_tracker as pt  # noqa: E402
from py_tracker.reporting import report  # noqa: E402

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


def pictures(kind: str, step: int, n: int, side: int, rng: np.random.Generator) -> list[np.ndarray]:
    if kind == "noise":
        return [rng.integers(0, 255, (side, side, 3), dtype=np.uint8) for _ in range(n)]
    y, x = np.mgrid[0:side, 0:side]
    return [np.stack([(np.sin(x / (9 + i) + step / 10) + np.cos(y / 13)) * 60 + 128,
                      x * 255.0 / side, y * 255.0 / side], axis=-1).astype(np.uint8) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--images", type=int, default=4)
    ap.add_argument("--side", type=int, default=512)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"{a.steps} steps × {a.images} images of {a.side}×{a.side} px + a 64-bin histogram and a loss a step")
        for kind in ("smooth", "noise"):
            run = pt.init(dir=root, project="bench", name=kind, settings=QUIET, reinit="create_new")
            for s in range(a.steps):
                run.log({"samples": [pt.Image(p, caption=f"step {s} #{i}")
                                     for i, p in enumerate(pictures(kind, s, a.images, a.side, rng))],
                         "weights": pt.Histogram(rng.normal(s / 50, 1, 2000), num_bins=64), "loss": 1 / (s + 1)})
            run.finish()
            t0 = time.perf_counter()
            full = report(run.id, root=root, path=root / f"{kind}.html")
            t_full = time.perf_counter() - t0
            t0 = time.perf_counter()
            bare = report(run.id, root=root, path=root / f"{kind}-bare.html", media=False)
            t_bare = time.perf_counter() - t0
            size, base = full.stat().st_size, bare.stat().st_size
            n_img = len(re.findall(r'<img src="data:image/', full.read_text()))
            print(f"{kind:>6}: report {size / 1e6:.2f} MB (media=False: {base / 1e6:.2f} MB, ratio "
                  f"{size / base:.2f}); {n_img} images inlined, {(size - base) / max(1, n_img) / 1e3:.1f} KB "
                  f"each with the heatmap; generated in {t_full:.2f} s (media=False {t_bare:.2f} s)")


if __name__ == "__main__":
    main()
