"""W&B's model and link calls: `log_model`, `use_model`, `link_model`, `link_artifact`, and the
artifacts a run logged or used.

A link (W&B's registry) is a version of the target collection holding the same files
(the same manifest digest, so nothing is copied) with the aliases given; its catalog entry
records ``linked_from`` ("project/name:vN"). `link_model` links into the project
"model-registry", as W&B's registry path does.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..storage.catalog import Catalog
from . import registry
from .artifact import Artifact
from .blobs import BlobStore
from .names import check_aliases, check_name
from .usage import run_log_artifact, run_use_artifact

REGISTRY_PROJECT = "model-registry"


def run_log_model(run: Any, path: Any, name: str | None = None, aliases: Any = None) -> Artifact:
    """Log the file or folder `path` as a "model" artifact (default name "run-<id>-<file name>")."""
    p = os.fspath(path)
    if not os.path.exists(p):
        raise UsageError(f"log_model({p!r}): no such file or folder; pass the saved model's path")
    default = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"run-{run.id}-{Path(p.rstrip('/')).name}")
    art = Artifact(name or default, "model")
    art.add_dir(p) if os.path.isdir(p) else art.add_file(p)
    return run_log_artifact(run, art, aliases=aliases)


def run_use_model(run: Any, name: str) -> str:
    """Record the use of model artifact `name` ("name:alias") and return where its files are:
    the file itself when the artifact holds one file, else the folder (W&B's rule)."""
    art = run_use_artifact(run, name)
    if "model" not in art.type.lower():
        raise UsageError(f"use_model({name!r}): artifact {art.qualified_name} has type {art.type!r}, not a "
                         f"model; use use_artifact() for other types")
    path = art.download()
    entries = os.listdir(path)
    return str(path / entries[0]) if len(entries) == 1 else str(path)


def _target(target_path: str, default_project: str) -> tuple[str, str]:
    parts = [p for p in str(target_path).split("/") if p]
    if not parts or len(parts) > 3:
        raise UsageError(f"link target {target_path!r}: use 'collection', 'project/collection' or "
                         f"'entity/project/collection'")
    name = check_name(parts[-1].split(":")[0])
    return (parts[-2] if len(parts) >= 2 else default_project), name


def run_link_artifact(run: Any, artifact: Artifact, target_path: str, aliases: Any = None) -> Artifact:
    """Link a logged artifact version into the collection `target_path`; returns the linked version."""
    if not isinstance(artifact, Artifact):
        raise UsageError(f"link_artifact takes an Artifact; got {type(artifact).__name__}")
    if artifact.is_draft():
        artifact = run_log_artifact(run, artifact)
    if artifact._version is None or artifact.root is None:
        raise UsageError("link_artifact: log the artifact first (run.log_artifact(artifact))")
    project, name = _target(target_path, getattr(run, "project", None) or artifact.project or "")
    root = Path(artifact.root)
    catalog = Catalog(root)
    doc, entry, _ = registry.commit(catalog, BlobStore(root), project=project, name=name, type_=artifact.type,
                                    contents=dict(artifact._contents()), digest=str(artifact.digest),
                                    description=artifact.description, metadata=dict(artifact.metadata),
                                    run_id=getattr(run, "id", None), aliases=check_aliases(aliases))
    source = f"{artifact.project}/{artifact.base_name}:v{artifact._version}"

    def mark(d: dict) -> None:
        for v in d.get("versions") or []:
            if v["version"] == entry["version"]:
                v["linked_from"] = source
    doc = catalog.patch(registry.TABLE, registry.doc_id(project, name), mark) or doc
    return Artifact._from_doc(root, doc, next(v for v in doc["versions"] if v["version"] == entry["version"]))


def run_link_model(run: Any, path: Any, registered_model_name: str, name: str | None = None,
                   aliases: Any = None) -> Artifact:
    """log_model(path), then link it into "model-registry/<registered_model_name>"."""
    art = run_log_model(run, path, name=name)
    return run_link_artifact(run, art, f"{REGISTRY_PROJECT}/{registered_model_name}", aliases=aliases)


def run_artifacts(root: Any, run_id: str, how: str) -> list[Artifact]:
    """Versions `run_id` logged (how="logged": logged or relogged) or used (how="used")."""
    out = []
    for doc in registry.all_docs(Catalog(Path(root), readonly=True)):
        for v in sorted(doc.get("versions") or [], key=lambda v: v["version"]):
            hit = (v.get("logged_by") == run_id or run_id in (v.get("relogged_by") or [])) if how == "logged" \
                else run_id in (v.get("used_by") or [])
            if hit:
                out.append(Artifact._from_doc(Path(root), doc, v))
    return sorted(out, key=lambda a: a.created_at or 0)
