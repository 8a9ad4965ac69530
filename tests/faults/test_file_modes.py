"""One file-mode policy for the whole store, under a real umask (set in a child process, so
this test process keeps its own): every file py_tracker creates is 0666 minus the umask, every
folder 0777 minus it, artifact blobs 0444 minus it. The bug this guards: run files written
through `tempfile.mkstemp` were 0600 whatever the umask while the catalog was 0644, so a
store shared with a group could be listed but not read."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]),
                                                    os.environ.get("PYTHONPATH", "")])}
CHILD = textwrap.dedent("""
    import os, sys
    os.umask(int(sys.argv[2], 8))
    import py_tracker as pt
    root, src = sys.argv[1], sys.argv[3]
    os.makedirs(src)
    with open(os.path.join(src, "weights.bin"), "wb") as f:
        f.write(b"w" * 100)
    run = pt.init(dir=root, project="p", config={"lr": 0.1},
                  settings={"display": False, "monitor_interval": 0.05})  # output, code, monitor on
    print("hello")
    run.log({"x": 1})
    run.summary["best"] = 1
    run.save(os.path.join(src, "weights.bin"), base_path=src)
    art = pt.Artifact("model", type="model")
    art.add_file(os.path.join(src, "weights.bin"))
    run.log_artifact(art)
    run.finish()
    api_run = pt.Api(root).run(run.id)
    api_run.update(name="renamed")
    api_run.request_stop()
""")


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_every_file_and_folder_follows_the_umask(tmp_path, umask):
    root = tmp_path / "store"
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), f"{umask:o}", str(tmp_path / "src")],
                         env=ENV, capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    wrong = {}
    kinds = set()
    for p in [root, *root.rglob("*")]:
        st = p.lstat()
        if stat.S_ISDIR(st.st_mode):
            want = 0o777 & ~umask
        elif "blobs" in p.relative_to(root).parts:
            want = 0o444 & ~umask
        else:
            want = 0o666 & ~umask
        kinds.add(p.name)
        if stat.S_IMODE(st.st_mode) != want:
            wrong[str(p.relative_to(root))] = f"{stat.S_IMODE(st.st_mode):04o} (want {want:04o})"
    assert not wrong, wrong
    # the files the policy is about were all there to check
    assert {"catalog.journal.0", "metadata.json", "config.yaml", "summary.json", "output.log", "history.jsonl",
            "system.jsonl", "heartbeat", "stop", "weights.bin"} <= kinds, kinds
