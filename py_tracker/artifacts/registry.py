"""Artifact records in the catalog's "artifacts" table: versions, aliases, lineage edges.

One document per artifact (collection), keyed "<project>/<name>":

    {"id": "p/mnist", "project": "p", "name": "mnist", "type": "dataset",
     "created_at": t, "updated_at": t, "next_version": 2,
     "aliases": {"latest": 1, "best": 0},
     "versions": [{"version": 0, "digest": <manifest sha256>, "size": bytes,
                   "file_count": n, "created_at": t, "description": str|None,
                   "metadata": {...}, "logged_by": run_id|None,
                   "relogged_by": [run_id], "used_by": [run_id]}, ...]}

Every change is a read-modify-write of that document under the catalog's
cross-process lock (`Catalog.transaction`), so two processes logging the same
name get distinct versions, and an alias moves between versions atomically.
A version exists only once its document is written, which happens after all
of its blobs and its manifest are on disk.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

from ..errors import UsageError
from ..storage.catalog import Catalog
from .blobs import BlobStore
from .names import LATEST, VERSION_RE

TABLE = "artifacts"


class MissingBlobs(Exception):
    """Raised inside `commit` when a blob vanished (deleted concurrently): re-ingest and retry."""

    def __init__(self, names: list[str]):
        super().__init__(names)
        self.names = names


def doc_id(project: str, name: str) -> str:
    return f"{project}/{name}"


def find_version(doc: dict, alias: str) -> dict | None:
    """The version entry `alias` ('latest', 'v3', 'best') points to, or None."""
    m = VERSION_RE.match(alias)
    if m:
        want = int(m.group(1))
    else:
        want = (doc.get("aliases") or {}).get(alias)
        if want is None:
            return None
    for v in doc.get("versions") or []:
        if v["version"] == want:
            return v
    return None


def aliases_of(doc: dict, version: int) -> list[str]:
    return sorted(a for a, v in (doc.get("aliases") or {}).items() if v == version)


def _relatest(doc: dict) -> None:
    versions = doc.get("versions") or []
    aliases = doc.setdefault("aliases", {})
    if versions:
        aliases[LATEST] = max(v["version"] for v in versions)
    else:
        aliases.pop(LATEST, None)


def commit(catalog: Catalog, blobs: BlobStore, *, project: str, name: str, type_: str,
           contents: dict[str, dict], digest: str, description: str | None, metadata: dict,
           run_id: str | None, aliases: Iterable[str]) -> tuple[dict, dict, bool]:
    """Record the artifact content `digest` as a version; (doc, version entry, created?).

    Identical content to an existing version makes no new version: that version
    gets the aliases (and the run is remembered in `relogged_by`).
    """
    with catalog.transaction():
        now = time.time()
        doc = catalog.get(TABLE, doc_id(project, name))
        if doc is None:
            doc = {"id": doc_id(project, name), "project": project, "name": name, "type": type_,
                   "created_at": now, "next_version": 0, "aliases": {}, "versions": []}
        elif doc.get("type") != type_:
            raise UsageError(f"artifact {project}/{name} has type {doc.get('type')!r}, not {type_!r}; "
                             f"use type={doc.get('type')!r} or another name")
        entry = next((v for v in doc["versions"] if v["digest"] == digest), None)
        created = entry is None
        if entry is None:
            missing = [n for n, e in contents.items() if "ref" not in e and not blobs.has(e["digest"])]
            if missing or not blobs.manifest_path(digest).is_file():
                raise MissingBlobs(missing)
            entry = {"version": int(doc.get("next_version", 0)), "digest": digest,
                     "size": sum(int(e.get("size") or 0) for e in contents.values() if "ref" not in e),
                     "file_count": len(contents), "created_at": now, "description": description,
                     "metadata": metadata, "logged_by": run_id, "relogged_by": [], "used_by": []}
            doc["versions"].append(entry)
            doc["next_version"] = entry["version"] + 1
        elif run_id is not None and run_id != entry.get("logged_by") and run_id not in entry["relogged_by"]:
            entry["relogged_by"].append(run_id)
        for a in aliases:
            doc["aliases"][a] = entry["version"]
        _relatest(doc)
        doc["updated_at"] = now
        catalog.put(TABLE, doc)
        return doc, entry, created


def add_use(catalog: Catalog, project: str, name: str, version: int, run_id: str | None,
            aliases: Iterable[str] = ()) -> dict:
    """Record that `run_id` used this version (the lineage input edge); add aliases."""
    aliases = list(aliases)

    def change(doc: dict) -> None:
        entry = next((v for v in doc.get("versions") or [] if v["version"] == version), None)
        if entry is None:
            raise UsageError(f"artifact {project}/{name}:v{version} was deleted")
        if run_id is not None and run_id not in entry.setdefault("used_by", []):
            entry["used_by"].append(run_id)
        for a in aliases:
            doc.setdefault("aliases", {})[a] = version
        _relatest(doc)
        doc["updated_at"] = time.time()
    out = catalog.patch(TABLE, doc_id(project, name), change)
    if out is None:
        raise UsageError(f"artifact {project}/{name} was deleted")
    return out


def save_version(catalog: Catalog, project: str, name: str, version: int, aliases: list[str],
                 description: str | None, metadata: dict) -> dict:
    """Make `aliases` exactly the custom aliases of this version (moving them from others);
    update description and metadata."""
    def change(doc: dict) -> None:
        entry = next((v for v in doc.get("versions") or [] if v["version"] == version), None)
        if entry is None:
            raise UsageError(f"artifact {project}/{name}:v{version} was deleted")
        al = doc.setdefault("aliases", {})
        for a in [a for a, v in al.items() if v == version and a != LATEST and a not in aliases]:
            del al[a]
        for a in aliases:
            al[a] = version
        _relatest(doc)
        entry["description"] = description
        entry["metadata"] = metadata
        doc["updated_at"] = time.time()
    out = catalog.patch(TABLE, doc_id(project, name), change)
    if out is None:
        raise UsageError(f"artifact {project}/{name} was deleted")
    return out


def delete_version(catalog: Catalog, blobs: BlobStore, project: str, name: str, version: int,
                   delete_aliases: bool = False) -> None:
    """Remove one version; refuse while an alias points at it unless `delete_aliases`.
    Blobs and manifests no remaining version references are removed too."""
    with catalog.transaction():
        doc = catalog.get(TABLE, doc_id(project, name))
        entry = None if doc is None else next((v for v in doc["versions"] if v["version"] == version), None)
        if doc is None or entry is None:
            raise UsageError(f"artifact {project}/{name}:v{version} does not exist (already deleted?)")
        held = aliases_of(doc, version)
        if held and not delete_aliases:
            raise UsageError(f"artifact {project}/{name}:v{version} has aliases {held}; move them to "
                             f"another version first, or call delete(delete_aliases=True)")
        doc["versions"] = [v for v in doc["versions"] if v["version"] != version]
        doc["aliases"] = {a: v for a, v in (doc.get("aliases") or {}).items() if v != version}
        _relatest(doc)
        doc["updated_at"] = time.time()
        if doc["versions"]:
            catalog.put(TABLE, doc)
        else:
            catalog.delete(TABLE, doc["id"])
        _collect_garbage(catalog, blobs, entry["digest"])


def _collect_garbage(catalog: Catalog, blobs: BlobStore, manifest: str) -> None:
    """Under the lock: drop `manifest` and its blobs if no remaining version needs them."""
    used_manifests = {v["digest"] for d in catalog.all(TABLE) for v in d.get("versions") or []}
    if manifest in used_manifests:
        return
    contents = blobs.read_manifest(manifest)
    needed: set[str] = set()
    for m in used_manifests:
        try:
            needed.update(e["digest"] for e in blobs.read_manifest(m).values() if "ref" not in e)
        except Exception:
            return  # a damaged manifest elsewhere: keep everything rather than guess
    for e in contents.values():
        if "ref" not in e and e["digest"] not in needed:
            blobs.remove_blob(e["digest"])
    try:
        blobs.manifest_path(manifest).unlink()
    except FileNotFoundError:
        pass


def all_docs(catalog: Catalog, project: str | None = None) -> list[dict]:
    return [d for d in catalog.all(TABLE) if project is None or d.get("project") == project]


def get_doc(catalog: Catalog, project: str, name: str) -> dict | None:
    return catalog.get(TABLE, doc_id(project, name))


def describe(doc: dict) -> dict[str, Any]:
    """A short JSON-able summary of an artifact document (for listings)."""
    return {"id": doc["id"], "project": doc["project"], "name": doc["name"], "type": doc["type"],
            "versions": len(doc.get("versions") or []), "aliases": dict(doc.get("aliases") or {})}
