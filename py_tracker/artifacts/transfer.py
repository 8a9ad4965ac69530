"""Moving artifact content: storing a draft as a version, downloading and verifying one.

`store()` ingests every file into the blob store (streaming, see `blobs`),
writes the manifest, and only then records the version in the catalog; an
interruption anywhere before that last step leaves no version behind.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable
from urllib.parse import unquote, urlsplit

from ..errors import StorageError, TrackerError, UsageError
from ..storage.atomic import atomic_copy
from ..storage.catalog import Catalog
from ..storage.paths import safe_join
from . import registry
from .blobs import BlobStore, hash_file
from .names import check_aliases

if TYPE_CHECKING:
    from .artifact import Artifact


class VerifyError(TrackerError, ValueError):
    """`VerifyReport.raise_for_errors()`: files differ from the stored version."""


@dataclass
class VerifyReport:
    """What `artifact.verify()` found. Truthy when every file matches."""

    artifact: str
    root: str
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # references that cannot be checked offline

    @property
    def ok(self) -> bool:
        return not (self.missing or self.changed or self.extra)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return f"{self.artifact}: {self.checked} files verified in {self.root}"
        parts = [f"{k}: {', '.join(v[:10])}{' ...' if len(v) > 10 else ''}"
                 for k, v in (("changed", self.changed), ("missing", self.missing), ("extra", self.extra)) if v]
        return f"{self.artifact} differs in {self.root}: " + "; ".join(parts)

    def raise_for_errors(self) -> "VerifyReport":
        if not self.ok:
            raise VerifyError(str(self))
        return self


def _file_ref_path(uri: str) -> Path | None:
    parts = urlsplit(uri)
    return Path(unquote(parts.path)) if parts.scheme == "file" else None


def _resolve_ref(e: dict) -> dict:
    uri = e["ref"]
    local = _file_ref_path(uri)
    if local is not None and e.get("checksum", True):
        if not local.is_file():
            raise UsageError(f"reference {uri} points to no file any more; remove it or restore the file")
        digest, size = hash_file(local)
        return {"ref": uri, "digest": digest, "size": size, "checksum": True}
    size = local.stat().st_size if local is not None and local.is_file() else None
    return {"ref": uri, "digest": hashlib.sha256(uri.encode()).hexdigest(), "size": size, "checksum": False}


def _ingest(blobs: BlobStore, name: str, e: dict) -> dict:
    if "ref" in e:
        return _resolve_ref(e)
    if "src" in e:
        try:
            digest, size = blobs.ingest(e["src"])
        except FileNotFoundError:
            raise UsageError(f"file {e['src']!r} (artifact path {name!r}) no longer exists; "
                             f"it is read when the artifact is logged") from None
        return {"digest": digest, "size": size}
    if not blobs.has(e["digest"]):
        raise StorageError(f"artifact file {name!r} (blob {e['digest'][:12]}...) is not in this store; "
                           f"was the draft made from an artifact of another store?")
    return {"digest": e["digest"], "size": e["size"]}


def store(art: "Artifact", root: Path, project: str, run_id: str | None, aliases: Iterable[str]) -> "Artifact":
    """Log the draft `art` into `root` as a version of `project/name`; `art` becomes that version."""
    custom = check_aliases(list(aliases) + list(art.aliases))
    blobs = BlobStore(root)
    catalog = Catalog(root)
    previous = _previous_manifest(catalog, blobs, project, art.base_name) if getattr(art, "incremental", False) else {}
    if not art._entries and not previous:
        raise UsageError(f"artifact {art.base_name!r} holds no files; add some with add_file/add_dir/"
                         f"add_reference/new_file before logging it")
    entries = dict(art._entries)
    contents = dict(previous)  # incremental: the latest version's files, then this draft's on top
    contents.update({n: _ingest(blobs, n, e) for n, e in sorted(entries.items())})
    contents = dict(sorted(contents.items()))
    for attempt in range(3):
        digest = blobs.write_manifest(contents)
        try:
            doc, entry, _ = registry.commit(
                catalog, blobs, project=project, name=art.base_name, type_=art.type, contents=contents,
                digest=digest, description=art.description, metadata=art.metadata, run_id=run_id,
                aliases=custom)
            break
        except registry.MissingBlobs as missing:  # deleted by a concurrent delete(): copy again
            if attempt == 2:
                raise StorageError(f"could not store artifact {art.base_name!r}: its files keep "
                                   f"disappearing from {blobs.blobs}") from None
            for n in missing.names:
                contents[n] = _ingest(blobs, n, entries[n])
    art._root, art._project, art._doc = Path(root), project, doc
    art._version, art._digest, art._manifest = int(entry["version"]), digest, contents
    art.aliases = registry.aliases_of(doc, art._version)
    if art._staging is not None:
        shutil.rmtree(art._staging, ignore_errors=True)
    return art


def _previous_manifest(catalog: Catalog, blobs: BlobStore, project: str, name: str) -> dict[str, dict]:
    """The files of the latest stored version of project/name ({} when there is none)."""
    doc = catalog.get(registry.TABLE, registry.doc_id(project, name))
    entry = registry.find_version(doc, registry.LATEST) if doc else None
    return dict(blobs.read_manifest(entry["digest"])) if entry else {}


def default_download_dir(art: "Artifact") -> Path:
    assert art.root is not None and art.project is not None
    return BlobStore(art.root).downloads / art.project / f"{art.base_name}-{art.version}"


def _copy_atomic(src: Path, dest: Path) -> None:
    atomic_copy(src, dest)


def download_entries(art: "Artifact", root: str | os.PathLike[str] | None, only: list[str] | None = None,
                     allow_missing_references: bool = False) -> Path:
    """Copy files of a stored version into `root`; returns the folder."""
    dest = Path(root) if root is not None else default_download_dir(art)
    dest.mkdir(parents=True, exist_ok=True)
    blobs = BlobStore(art.root)  # type: ignore[arg-type]
    for name, e in sorted(art._contents().items()):
        if only is not None and name not in only:
            continue
        target = safe_join(dest, name)
        if "ref" in e:
            local = _file_ref_path(e["ref"])
            if local is None:
                continue  # s3://, https://...: recorded only, never fetched (offline store)
            if not local.is_file():
                if allow_missing_references:
                    continue
                raise StorageError(f"referenced file {e['ref']} is gone; pass allow_missing_references=True "
                                   f"to download the rest")
            _copy_atomic(local, target)
            continue
        src = blobs.blob_path(e["digest"])
        if not src.is_file():
            raise StorageError(f"blob of {name!r} in {art.qualified_name} is missing from {blobs.blobs}; "
                               f"the store was damaged")
        _copy_atomic(src, target)
    return dest


def verify_entries(art: "Artifact", root: str | os.PathLike[str] | None) -> VerifyReport:
    """Re-hash a downloaded folder (root) or the stored blobs (root=None) against the manifest."""
    blobs = BlobStore(art.root)  # type: ignore[arg-type]
    rep = VerifyReport(art.qualified_name, str(root) if root is not None else str(blobs.blobs))
    contents = art._contents()
    for name, e in sorted(contents.items()):
        if "ref" in e:
            local = _file_ref_path(e["ref"])
            if root is None:
                if local is None or not e.get("checksum"):
                    rep.skipped.append(name)
                    continue
                path = local
            elif local is None:
                rep.skipped.append(name)
                continue
            else:
                path = safe_join(root, name)
        else:
            path = blobs.blob_path(e["digest"]) if root is None else safe_join(root, name)
        if not path.is_file():
            rep.missing.append(name)
            continue
        rep.checked += 1
        if "ref" in e and not e.get("checksum") and root is not None:
            continue
        digest, _ = hash_file(path)
        if digest != e["digest"]:
            rep.changed.append(name)
    if root is not None and Path(root).is_dir():
        base = Path(root)
        for p in sorted(base.rglob("*")):
            if p.is_file() and not p.name.endswith(".part"):
                rel = p.relative_to(base).as_posix()
                if rel not in contents:
                    rep.extra.append(rel)
    return rep
