"""Download + verify, interrupted logs leave no version, streaming copies, concurrent loggers."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import py_tracker as pt
from py_tracker.artifacts import Artifact, VerifyError, blobs as blobs_mod, run_log_artifact, run_use_artifact
from py_tracker.artifacts.blobs import BlobStore
from py_tracker.errors import PathEscapeError
from py_tracker.storage.catalog import Catalog

REPO = Path(__file__).resolve().parents[2]


def _dataset(data_dir: Path) -> Artifact:
    art = Artifact("data", "dataset")
    art.add_dir(data_dir)
    return art


def test_download_then_verify_detects_tampering(root: Path, new_run, data_dir: Path, tmp_path: Path) -> None:
    run = new_run()
    run_log_artifact(run, _dataset(data_dir))
    art = run_use_artifact(new_run(), "data:latest")
    path = art.download()
    assert path == root / "artifacts" / "downloads" / "p" / "data-v0"
    assert (path / "sub" / "labels.txt").read_text() == "a\nb\n"
    report = art.verify(path)
    assert report and report.checked == 2
    (path / "train.csv").write_text("x,y\n1,3\n")  # same size, other content
    (path / "sub" / "labels.txt").unlink()
    (path / "stray.txt").write_text("?")
    report = art.verify(path)
    assert not report
    assert (report.changed, report.missing, report.extra) == (["train.csv"], ["sub/labels.txt"], ["stray.txt"])
    assert "changed: train.csv" in str(report)
    with pytest.raises(VerifyError, match="train.csv"):
        report.raise_for_errors()
    # a fresh download repairs the folder; one file can be fetched alone
    art.download(path)
    (path / "stray.txt").unlink()
    assert art.verify(path)
    one = art.get_entry("sub/labels.txt").download(tmp_path / "one")
    assert one.read_text() == "a\nb\n"


def test_verify_without_root_checks_the_store(root: Path, new_run, data_dir: Path) -> None:
    art = run_log_artifact(new_run(), _dataset(data_dir))
    assert art.verify()
    blob = BlobStore(root).blob_path(art.get_entry("train.csv").digest)
    os.chmod(blob, 0o644)
    blob.write_text("rotten")
    assert art.verify().changed == ["train.csv"]


def test_verify_file_reference_detects_change(root: Path, new_run, data_dir: Path) -> None:
    art = Artifact("refs", "dataset")
    art.add_reference((data_dir / "train.csv").as_uri())
    art = run_log_artifact(new_run(), art)
    assert art.verify() and art.files()[0].size == len("x,y\n1,2\n")
    (data_dir / "train.csv").write_text("edited")
    assert art.verify().changed == ["train.csv"]


def test_download_refuses_escaping_symlink(root: Path, new_run, data_dir: Path, tmp_path: Path) -> None:
    art = run_log_artifact(new_run(), _dataset(data_dir))
    dest = tmp_path / "dest"
    dest.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (dest / "sub").symlink_to(outside)
    with pytest.raises(PathEscapeError):
        art.download(dest)
    assert not (outside / "labels.txt").exists()


def test_exception_mid_copy_leaves_no_partial_version(root: Path, new_run, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * blobs_mod.CHUNK + 17))
    run = new_run()

    def boom(path: Path, copied: int) -> None:
        if copied >= 2 * blobs_mod.CHUNK:
            raise OSError("disk pulled out")
    monkeypatch.setattr(blobs_mod, "_on_chunk", boom)
    art = Artifact("big", "model")
    art.add_file(big)
    with pytest.raises(OSError, match="disk pulled out"):
        run_log_artifact(run, art)
    assert Catalog(root).all("artifacts") == []
    assert not [p for p in (root / "artifacts" / "blobs").rglob("*") if p.is_file()]
    assert list((root / "artifacts" / "tmp").iterdir()) == []
    monkeypatch.setattr(blobs_mod, "_on_chunk", None)
    stored = run_log_artifact(run, art)
    assert stored.version == "v0" and stored.verify()


KILLED = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import py_tracker as pt
    from py_tracker.artifacts import Artifact, blobs
    root, big, marker = sys.argv[1:4]
    def slow(path, copied):
        if copied >= 2 * blobs.CHUNK:
            Path(marker).write_text("copying")
            time.sleep(60)
    blobs._on_chunk = slow
    run = pt.init(dir=root, project="p", settings={"monitor_interval": None, "capture_output": False,
                                                    "display": False, "save_code": False})
    art = Artifact("big", "model")
    art.add_file(big)
    run.log_artifact(art) if hasattr(run, "log_artifact") else __import__("py_tracker.artifacts").artifacts.run_log_artifact(run, art)
""")


def test_killed_mid_copy_leaves_no_partial_version(root: Path, tmp_path: Path, new_run) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(4 * blobs_mod.CHUNK))
    marker = tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(root), str(big), str(marker)], cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.time() + 30
        while not marker.exists() and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert marker.exists(), "the child never reached the middle of the copy"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    assert Catalog(root).all("artifacts") == []
    assert not [p for p in (root / "artifacts" / "blobs").rglob("*") if p.is_file()]
    partial = list((root / "artifacts" / "tmp").iterdir())
    assert len(partial) == 1 and partial[0].stat().st_size < big.stat().st_size
    assert BlobStore(root).sweep_tmp(older_than_s=0) == 1
    art = Artifact("big", "model")
    art.add_file(big)
    assert run_log_artifact(new_run(), art).verify()


STREAM = textwrap.dedent("""
    import resource, sys
    from py_tracker.artifacts.blobs import BlobStore
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    digest, size = BlobStore(sys.argv[1]).ingest(sys.argv[2])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(size, (after - before) // 1024)
""")


def test_large_file_is_copied_streaming(tmp_path: Path) -> None:
    big = tmp_path / "sparse.bin"
    with open(big, "wb") as f:
        f.truncate(256 << 20)  # 256 MiB, sparse on disk
    out = subprocess.run([sys.executable, "-c", STREAM, str(tmp_path / "store"), str(big)], cwd=REPO,
                         capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    size, grew_mb = map(int, out.stdout.split())
    assert size == 256 << 20
    assert grew_mb < 32, f"peak memory grew by {grew_mb} MiB while copying a 256 MiB file"


CONCURRENT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import py_tracker as pt
    from py_tracker.artifacts import Artifact, run_log_artifact
    root, tag, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    run = pt.init(dir=root, project="p", settings={"monitor_interval": None, "capture_output": False,
                                                    "display": False, "save_code": False})
    while time.time() < start:
        time.sleep(0.005)
    out = []
    for i in range(4):
        art = Artifact("shared", "model")
        with art.new_file("w.txt") as f:
            f.write(f"{tag}-{i}")
        out.append(run_log_artifact(run, art).version)
    run.finish()
    print(" ".join(out))
""")


def test_two_processes_get_distinct_versions(root: Path) -> None:
    start = time.time() + 2.0
    procs = [subprocess.Popen([sys.executable, "-c", CONCURRENT, str(root), tag, str(start)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
             for tag in ("A", "B")]
    outs = [p.communicate(timeout=60)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    versions = outs[0] + outs[1]
    assert sorted(versions, key=lambda v: int(v[1:])) == [f"v{i}" for i in range(8)]
    arts = pt.Api(root).artifacts("p")
    assert len({a.digest for a in arts}) == 8
    assert pt.Api(root).artifact("p/shared:latest").version == "v7"
