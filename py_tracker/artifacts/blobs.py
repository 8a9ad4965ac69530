"""Content-addressed storage of artifact files and manifests under `<root>/artifacts/`.

    artifacts/blobs/<aa>/<sha256>        one file per distinct content (stored once)
    artifacts/manifests/<sha256>.json    one manifest per distinct artifact content
    artifacts/tmp/                       partial copies (never referenced by a version)
    artifacts/downloads/<project>/<name>-v<N>/   default download folders

A file is hashed and copied in one streaming pass (1 MiB chunks, so a 2 GB file
needs 1 MiB of memory) into a temporary file in `tmp/`, fsynced, then
`os.replace`d into its blob path: a blob path only ever holds complete content
whose name is its hash. A copy interrupted half-way leaves at most a temp file,
which no version references (`sweep_tmp` removes old ones).
"""
from __future__ import annotations

import hashlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import orjson

from ..errors import StorageError
from ..storage.atomic import atomic_write, file_mode, fsync_dir
from ..storage.paths import StoreLayout

CHUNK = 1 << 20
_HEX = frozenset("0123456789abcdef")

# Test hook: called after every chunk copied (an exception here interrupts a copy).
_on_chunk: Callable[[Path, int], None] | None = None


def hash_file(path: str | os.PathLike[str]) -> tuple[str, int]:
    """(sha256 hex, size) of a file, read in chunks."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        while True:
            buf = f.read(CHUNK)
            if not buf:
                break
            h.update(buf)
            size += len(buf)
    return h.hexdigest(), size


def _check_digest(digest: str) -> str:
    if len(digest) != 64 or not set(digest) <= _HEX:
        raise StorageError(f"{digest!r} is not a sha256 digest; the artifact record is damaged")
    return digest


class BlobStore:
    """The artifact blob and manifest folders of one store root."""

    def __init__(self, root: str | os.PathLike[str]):
        self.base = StoreLayout(root).artifacts
        self.blobs = self.base / "blobs"
        self.manifests = self.base / "manifests"
        self.tmp = self.base / "tmp"
        self.downloads = self.base / "downloads"

    # --- blobs ----------------------------------------------------------------
    def blob_path(self, digest: str) -> Path:
        _check_digest(digest)
        return self.blobs / digest[:2] / digest

    def has(self, digest: str) -> bool:
        return self.blob_path(digest).is_file()

    def ingest(self, src: str | os.PathLike[str]) -> tuple[str, int]:
        """Hash and copy `src` into the store in one streaming pass; (digest, size).

        The copy goes to a temp file first and is renamed into place only when
        complete and fsynced; identical content already stored is not written twice.
        """
        self.tmp.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix="blob-", suffix=".part", dir=self.tmp)
        tmp = Path(tmp_name)
        h = hashlib.sha256()
        size = 0
        try:
            with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
                while True:
                    buf = fin.read(CHUNK)
                    if not buf:
                        break
                    h.update(buf)
                    fout.write(buf)
                    size += len(buf)
                    if _on_chunk is not None:
                        _on_chunk(Path(src), size)
                fout.flush()
                os.fsync(fout.fileno())
            digest = h.hexdigest()
            dest = self.blob_path(digest)
            if dest.is_file() and dest.stat().st_size == size:
                tmp.unlink()
                return digest, size
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, file_mode(0o444))  # shared by versions: read-only (umask applies)
            os.replace(tmp, dest)
            fsync_dir(dest.parent)
            return digest, size
        except BaseException:
            try:
                tmp.unlink()
            except OSError:
                pass
            raise

    def _write_atomic(self, dest: Path, data: bytes) -> None:
        atomic_write(dest, data, fsync=True, tmp_dir=self.tmp)

    def remove_blob(self, digest: str) -> None:
        try:
            self.blob_path(digest).unlink()
        except FileNotFoundError:
            pass

    # --- manifests ---------------------------------------------------------------
    @staticmethod
    def manifest_digest(contents: dict[str, dict]) -> tuple[str, bytes]:
        """The artifact digest: sha256 of its canonical manifest (names, digests, sizes, refs)."""
        data = orjson.dumps({"version": 1, "contents": contents}, option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(data).hexdigest(), data

    def manifest_path(self, digest: str) -> Path:
        return self.manifests / f"{_check_digest(digest)}.json"

    def write_manifest(self, contents: dict[str, dict]) -> str:
        digest, data = self.manifest_digest(contents)
        path = self.manifest_path(digest)
        if not path.is_file():
            self._write_atomic(path, data)
        return digest

    def read_manifest(self, digest: str) -> dict[str, dict]:
        path = self.manifest_path(digest)
        try:
            doc: Any = orjson.loads(path.read_bytes())
        except FileNotFoundError:
            raise StorageError(f"artifact manifest {path} is missing; the store was damaged "
                               f"(a folder removed by hand?)") from None
        except orjson.JSONDecodeError as exc:
            raise StorageError(f"artifact manifest {path} is damaged: {exc}") from None
        return dict(doc.get("contents") or {})

    def sweep_tmp(self, older_than_s: float = 3600.0) -> int:
        """Remove partial copies left by interrupted logs; returns how many were removed."""
        n = 0
        if not self.tmp.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        for p in self.tmp.iterdir():
            try:
                if p.stat().st_mtime < cutoff:
                    p.unlink()
                    n += 1
            except OSError:
                pass
        return n
