"""Server extension numbers (issue 6), measured through a real `jupyter server` over HTTP.

    python benchmarks/bench_server.py [--runs 1000] [--steps 1000000]

- GET runs with 1,000 runs in the store: the first page (limit=50, the sidebar's
  request) and the whole list (limit=1000). Target <= 200 ms.
- GET history of a 1M-step run downsampled to 2,000 points: the first request
  (columns read from disk) and a repeat (columns cached by file size/mtime).
  Target <= 300 ms.
Each line prints the median, the target and the ratio (median / target; <= 1 meets it).
The in-process cost of the same queries (StoreReader, no HTTP) is printed beside them.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUIET = {"monitor_interval": None, "capture_output": False, "display": False, "save_code": False}


def make_store(root: Path, n_runs: int, n_steps: int) -> str:
    import numpy as np
    import py_tracker as pt
    t = time.perf_counter()
    for i in range(n_runs):
        run = pt.init(dir=root, project=f"p{i % 5}", name=f"run-{i}", group=f"g{i % 7}", tags=[f"t{i % 3}"],
                      config={"lr": 10 ** -(i % 5), "layers": i % 9, "opt": "adam"}, settings=QUIET)
        for s in range(3):
            run.log({"loss": 1.0 / (s + 1 + i), "acc": s / 3})
        run.finish()
    print(f"store: {n_runs} runs written in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    run = pt.init(dir=root, project="big", name="big", settings=QUIET)
    noise = np.random.default_rng(0).normal(size=n_steps)
    for v in noise.tolist():
        run.log({"loss": v})
    run.finish()
    print(f"store: 1 run of {n_steps:,} steps written in {time.perf_counter() - t:.1f} s")
    return run.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(root: Path, tmp: Path) -> tuple[subprocess.Popen, str, str]:
    token, port = "bench", free_port()
    cfg = tmp / "config"
    cfg.mkdir()
    (cfg / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"py_tracker": True}}, "PyTracker": {"root_dir": str(root)}}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(cfg), "JUPYTER_RUNTIME_DIR": str(tmp / "rt"),
           "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
                             f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={tmp}"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/py-tracker/api/v1/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            get(url, token, "projects")
            return proc, url, token
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("jupyter server did not start within 60 s")


def get(url: str, token: str, path: str) -> bytes:
    req = urllib.request.Request(url + path, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def report(label: str, ms: float, target: float, inproc: float | None = None) -> None:
    extra = f"   (in-process {inproc:7.1f} ms)" if inproc is not None else ""
    print(f"{label:<46} {ms:8.1f} ms   target {target:5.0f} ms   ratio {ms / target:5.2f}{extra}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-server-") as d:
        tmp = Path(d)
        root = tmp / "store"
        big = make_store(root, args.runs, args.steps)
        from py_tracker.server.store import StoreReader
        import orjson
        reader = StoreReader(root)

        def inproc(fn) -> float:
            return statistics.median(timed(lambda: orjson.dumps(fn(), option=orjson.OPT_SERIALIZE_NUMPY), 5))

        proc, url, token = start_server(root, tmp)
        try:
            page = statistics.median(timed(lambda: get(url, token, "runs?limit=50"), 20))
            whole = statistics.median(timed(lambda: get(url, token, "runs?limit=1000"), 10))
            body = json.loads(get(url, token, "runs?limit=1000"))
            assert body["total"] == args.runs + 1, body["total"]
            first = timed(lambda: get(url, token, f"runs/{big}/history?points=2000"), 1)[0]
            warm = statistics.median(timed(lambda: get(url, token, f"runs/{big}/history?points=2000"), 10))
            hist = json.loads(get(url, token, f"runs/{big}/history?points=2000"))
            pts = len(hist["series"]["loss"]["x"])
            assert hist["rows"] == args.steps and pts <= 2002, (hist["rows"], pts)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        cold_reader = StoreReader(root)
        cold_in = timed(lambda: cold_reader.series.history(big, points=2000), 1)[0]
        print(f"\n{args.runs} runs, history of {args.steps:,} steps -> {pts} points; HTTP median of repeats")
        report("GET runs, first page (limit=50)", page, 200, inproc(lambda: reader.runs(limit=50)))
        report(f"GET runs, all {args.runs + 1} (limit=1000)", whole, 200, inproc(lambda: reader.runs(limit=1000)))
        report("GET history 1M -> 2,000 points, first read", first, 300, cold_in)
        report("GET history 1M -> 2,000 points, repeat", warm, 300,
               inproc(lambda: reader.series.history(big, points=2000)))


if __name__ == "__main__":
    main()
