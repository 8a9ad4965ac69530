"""`DraftBuilder`: the part of `Artifact` that lists what a new version will contain.

Entries are recorded, not read: `{"src": local path}` for files (read and
copied when the artifact is logged), `{"ref": uri, "checksum": bool}` for
references, `{"digest", "size"}` for files carried over from a stored version
(`new_draft()`). Every entry name goes through `names.entry_path`, so no path
inside an artifact can leave it.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import IO, TYPE_CHECKING, Iterator
from urllib.parse import unquote, urlsplit

from ..errors import UsageError
from . import names as _names

if TYPE_CHECKING:
    from .artifact import ArtifactFile


class DraftBuilder:
    """Mixin of Artifact: add_file, add_dir, add_reference, new_file, remove.

    Contract: the host class sets `_name`, `_entries` (dict), `_staging`
    (Path or None) and implements `_draft_only(what)` (raises once stored).
    """

    _name: str
    _entries: dict[str, dict]
    _staging: Path | None

    def _draft_only(self, what: str) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _file(self, name: str, size: int, ref: str | None = None) -> "ArtifactFile":
        from .artifact import ArtifactFile
        return ArtifactFile(name, size, "", ref, self)

    def _put(self, name: str, entry: dict, overwrite: bool) -> None:
        if name in self._entries and not overwrite:
            raise UsageError(f"artifact {self._name!r} already has a file {name!r}; "
                             f"pass overwrite=True to replace it, or choose another name")
        prefix = name + "/"
        if any(k.startswith(prefix) for k in self._entries) or \
                any(name.startswith(k + "/") for k in self._entries):
            raise UsageError(f"{name!r} would be both a file and a folder in artifact {self._name!r}")
        self._entries[name] = entry

    def add_file(self, local_path: str | os.PathLike[str], name: str | None = None, is_tmp: bool = False,
                 skip_cache: bool = False, policy: str = "mutable", overwrite: bool = False) -> "ArtifactFile":
        """Add one local file, stored as `name` (default: its file name)."""
        self._draft_only("add_file")
        p = Path(local_path)
        if not p.is_file():
            raise UsageError(f"add_file({str(local_path)!r}): no such file; use add_dir() for folders")
        entry_name = _names.entry_path(name if name is not None else p.name)
        self._put(entry_name, {"src": str(p.resolve())}, overwrite)
        return self._file(entry_name, p.stat().st_size)

    def add_dir(self, local_path: str | os.PathLike[str], name: str | None = None,
                skip_cache: bool = False, policy: str = "mutable", merge: bool = False) -> None:
        """Add every file under a folder (recursively), under the prefix `name` if given."""
        self._draft_only("add_dir")
        base = Path(local_path)
        if not base.is_dir():
            raise UsageError(f"add_dir({str(local_path)!r}): no such folder; use add_file() for files")
        prefix = _names.entry_path(name) + "/" if name else ""
        count = 0
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames.sort()
            for fn in sorted(filenames):
                full = Path(dirpath) / fn
                if not full.is_file():
                    continue  # broken links, sockets
                rel = full.relative_to(base).as_posix()
                self._put(_names.entry_path(prefix + rel), {"src": str(full.resolve())}, merge)
                count += 1
        if count == 0:
            raise UsageError(f"add_dir({str(local_path)!r}): the folder holds no files")

    def add_reference(self, uri: str, name: str | None = None, checksum: bool = True,
                      max_objects: int | None = None) -> "list[ArtifactFile]":
        """Record a file (or folder) by URI without copying it.

        `file://` paths are hashed at log time when checksum=True, so `verify()`
        detects a changed file; other URIs (s3://, https://...) are recorded as they
        are and never downloaded (this store is offline).
        """
        self._draft_only("add_reference")
        if not isinstance(uri, str) or "://" not in uri:
            raise UsageError(f"add_reference({uri!r}): give a URI such as 'file:///data/train.csv' "
                             f"or 's3://bucket/key'")
        parts = urlsplit(uri)
        if parts.scheme == "file":
            local = Path(unquote(parts.path))
            if local.is_dir():
                files = sorted(p for p in local.rglob("*") if p.is_file())
                if max_objects is not None:
                    files = files[:max_objects]
                prefix = _names.entry_path(name) + "/" if name else ""
                out = []
                for f in files:
                    rel = f.relative_to(local).as_posix()
                    n = _names.entry_path(prefix + rel)
                    self._put(n, {"ref": f.resolve().as_uri(), "checksum": checksum}, False)
                    out.append(self._file(n, 0, f.resolve().as_uri()))
                return out
            if not local.is_file():
                raise UsageError(f"add_reference({uri!r}): no such file or folder {str(local)!r}")
            n = _names.entry_path(name or local.name)
        else:
            n = _names.entry_path(name or (parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc))
        self._put(n, {"ref": uri, "checksum": checksum}, False)
        return [self._file(n, 0, uri)]

    def _stage(self) -> Path:
        if self._staging is None:
            self._staging = Path(tempfile.mkdtemp(prefix="py_tracker-artifact-"))
            weakref.finalize(self, shutil.rmtree, str(self._staging), True)
        return self._staging

    def add(self, obj: object, name: str, overwrite: bool = False) -> "ArtifactFile":
        """Add a media object (Table, Image, Histogram) as `<name>.<type>.json` plus its files,
        as W&B does; `artifact.get(name)` reads it back."""
        self._draft_only("add")
        to_json = getattr(obj, "to_json", None)
        if to_json is None:
            raise UsageError(f"add() takes a py_tracker media object (Table, Image, Histogram); got "
                             f"{type(obj).__name__}. Use add_file() for files.")
        base = _names.entry_path(name)
        work = Path(tempfile.mkdtemp(dir=self._stage()))
        doc = to_json(work, base, 0)
        for f in sorted(p for p in work.rglob("*") if p.is_file()):
            self._put(_names.entry_path(f.relative_to(work).as_posix()), {"src": str(f)}, True)
        json_name = f"{base}.{_names.check_name(str(doc.get('_type', 'media')), 'media type')}.json"
        target = work / "__doc__.json"
        target.write_text(json.dumps(doc, sort_keys=True), encoding="utf-8")
        self._put(json_name, {"src": str(target)}, overwrite)
        return self._file(json_name, target.stat().st_size)

    @contextlib.contextmanager
    def new_file(self, name: str, mode: str = "x", encoding: str | None = None) -> Iterator[IO]:
        """Write a new file into the artifact: `with art.new_file("labels.txt") as f: f.write(...)`."""
        self._draft_only("new_file")
        entry_name = _names.entry_path(name)
        if entry_name in self._entries:
            raise UsageError(f"artifact {self._name!r} already has a file {entry_name!r}")
        if "r" in mode or "+" in mode:
            raise UsageError(f"new_file(mode={mode!r}): use 'w'/'x' (text) or 'wb'/'xb' (bytes)")
        path = self._stage() / entry_name
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = mode.replace("x", "w")
        with open(path, mode, encoding=None if "b" in mode else (encoding or "utf-8")) as f:
            yield f
        self._put(entry_name, {"src": str(path)}, False)

    def remove(self, item: "str | ArtifactFile") -> None:
        """Remove a file, or every file under a folder path, from the draft."""
        self._draft_only("remove")
        key = _names.entry_path(item if isinstance(item, str) else item.name)
        gone = [k for k in self._entries if k == key or k.startswith(key + "/")]
        if not gone:
            raise UsageError(f"artifact {self._name!r} has no file or folder {key!r}; see .manifest_names()")
        for k in gone:
            del self._entries[k]
