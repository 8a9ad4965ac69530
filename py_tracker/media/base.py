"""The Media interface: rich values (images, histograms, tables) that a history row refers to.

A Media object is made in the user's `log()` call and written out later, by the run's
background flusher thread, so that PNG encoding and file writes stay off the training
loop's hot path. Hence the contract below: construction is cheap, `to_json` does the work.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, ClassVar

from ..errors import UsageError
from ..storage.atomic import atomic_write
from ..storage.paths import safe_join

#: Every file a Media writes lives under ``<run files dir>/media/``.
MEDIA_DIR = "media"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_REGISTRY: dict[str, type[Media]] = {}


class Media:
    """Base class of every rich value that `log()` accepts.

    Contract for subclasses:
    - ``__init__`` is cheap and runs in the user's thread: validate the input (so a
      mistake raises at the user's call, with a clear message) and keep a private copy
      of the data (the caller may mutate or free theirs), but do not encode anything.
    - ``snapshot()`` returns an object that later mutation of ``self`` cannot change;
      `coerce` calls it for the caller. Immutable media return ``self``.
    - ``to_json(files_dir, key, step)`` may run in another thread, once per logged value.
      It writes whatever files it needs under ``files_dir/media/...`` (always through
      `media_path`, so a key such as ``"a/../../b"`` can never escape) and returns a
      small JSON-able dict with a ``"_type"`` and paths *relative to files_dir*: the
      dict that is stored in the history row.
    - ``from_json(d, files_dir)`` (classmethod) reads such a dict back into a plain
      Python object (PIL image, DataFrame, (counts, edges)...).
    - Subclasses set ``_type`` (the ``"_type"`` they write) and are then found by the
      module-level `from_json` dispatcher.
    """

    _type: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._type:
            _REGISTRY[cls._type] = cls

    def snapshot(self) -> Media:
        """An immutable view of this value at the time of `log()` (default: self)."""
        return self

    def to_json(self, files_dir: Path, key: str, step: int) -> dict[str, Any]:
        """Write files under ``files_dir/media`` and return the row's JSON dict."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, d: dict[str, Any], files_dir: Path) -> Any:
        """Read a dict written by `to_json` back into a Python object."""
        raise NotImplementedError


def safe_key(key: str, max_len: int = 80) -> str:
    """Turn a log key (may hold '/', spaces, unicode) into a safe file-name stem.

    ``"train/sample img"`` -> ``"train_sample_img"``. Never empty, never starts with
    a dot (no hidden files, no ``..``), at most `max_len` characters.
    """
    stem = _UNSAFE.sub("_", str(key)).strip("._") or "media"
    return stem[:max_len]


def media_path(files_dir: Path, kind: str, key: str, step: int, digest: str, suffix: str) -> tuple[Path, str]:
    """Absolute path and files-dir-relative POSIX path for one media file.

    Layout: ``media/<kind>/<safe key>_<step>_<digest[:20]><suffix>`` (as W&B names them).
    The content digest keeps two values logged at the same step apart.
    """
    name = f"{safe_key(key)}_{int(step)}_{digest[:20]}{suffix}"
    rel = f"{MEDIA_DIR}/{kind}/{name}"
    return safe_join(files_dir, MEDIA_DIR, kind, name), rel


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temp file + os.replace: readers never see half a file."""
    if path.exists() and path.stat().st_size == len(data):
        return  # content-addressed name: same digest, same bytes
    atomic_write(path, data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def resolve(files_dir: Path, d: dict[str, Any]) -> Path:
    """The file a row dict points to, refusing paths that leave `files_dir`."""
    rel = d.get("path")
    if not isinstance(rel, str) or not rel:
        raise UsageError(f"media entry {d.get('_type')!r} has no 'path'; it was not written by py_tracker")
    return safe_join(files_dir, rel)  # refuses absolute paths, "..", symlinks out


def from_json(d: dict[str, Any], files_dir: str | os.PathLike[str]) -> Any:
    """Read any media dict from a history row back into a Python object.

    image-file -> PIL.Image.Image, images -> list of PIL images, histogram ->
    (counts, bin_edges) numpy arrays, table-file -> pandas.DataFrame.
    """
    if not isinstance(d, dict) or "_type" not in d:
        raise UsageError(f"expected a media dict with a '_type' key, got {type(d).__name__}")
    cls = _REGISTRY.get(d["_type"])
    if cls is None:
        raise UsageError(f"unknown media type {d['_type']!r}; known: {sorted(_REGISTRY)}")
    return cls.from_json(d, Path(files_dir))


def is_media_json(value: Any) -> bool:
    """True for a dict that `from_json` can read (what a history row holds for media)."""
    return isinstance(value, dict) and value.get("_type") in _REGISTRY
