"""How runs and readers reach artifacts: log, use, load and list.

`run_log_artifact` / `run_use_artifact` back `Run.log_artifact` / `Run.use_artifact`;
`log_artifact` / `use_artifact` act on the active run (`py_tracker.log_artifact`);
`load_artifact` / `list_artifacts` back `Api().artifact()` / `Api().artifacts()`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..errors import NoActiveRunError, UsageError
from ..storage.catalog import Catalog
from . import registry
from .artifact import Artifact
from .names import check_aliases, check_type, parse_ref
from .transfer import store


def _is_disabled(run: Any) -> bool:
    return getattr(run, "root", None) is None or getattr(run, "id", None) == "disabled"


def _from_path(path: Any, name: str | None, type_: str | None) -> Artifact:
    s = os.fspath(path) if not isinstance(path, str) else path
    default = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(s.rstrip("/")).name or "artifact").strip("-.") or "artifact"
    art = Artifact(name or default, type_ or "unspecified")
    if "://" in s:
        art.add_reference(s)
    elif Path(s).is_dir():
        art.add_dir(s)
    elif Path(s).is_file():
        art.add_file(s)
    else:
        raise UsageError(f"log_artifact({s!r}): no such file or folder; pass an Artifact, a path or a URI")
    return art


def run_log_artifact(run: Any, artifact_or_path: Any, name: str | None = None, type: str | None = None,
                     aliases: Any = None, tags: Any = None) -> Artifact:
    """Store an artifact (or a file/folder/URI) as the next version logged by `run`.

    Identical content to an existing version makes no new version; `latest`
    points to the newest version; given aliases move to this version.
    """
    custom = check_aliases(aliases)
    if type is not None:
        check_type(type)
    if isinstance(artifact_or_path, Artifact):
        art = artifact_or_path
        if not art.is_draft():
            art = art.new_draft()
    else:
        art = _from_path(artifact_or_path, name, type)
    if _is_disabled(run):
        return art
    if getattr(run, "finished", False):
        raise UsageError(f"run {run.path} has finished; log artifacts before finish()")
    return store(art, Path(run.root), run.project, run.id, custom)


def run_use_artifact(run: Any, artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                     use_as: str | None = None) -> Artifact:
    """Declare that `run` uses an artifact version (the lineage input edge); returns it.

    Accepts "name", "name:latest", "name:v1", "name:alias", "project/name:alias" or an Artifact.
    """
    custom = check_aliases(aliases)
    if _is_disabled(run):
        if isinstance(artifact_or_name, Artifact):
            return artifact_or_name
        raise UsageError("use_artifact() needs a recording run; this run is disabled (mode='disabled')")
    if getattr(run, "finished", False):
        raise UsageError(f"run {run.path} has finished; use artifacts before finish(), or read them "
                         f"with py_tracker.Api().artifact(...)")
    root = Path(run.root)
    if isinstance(artifact_or_name, Artifact):
        art = artifact_or_name
        if art.is_draft():
            art = store(art, root, run.project, None, [])
        elif Path(art.root or "").resolve() != root.resolve():  # type: ignore[arg-type]
            raise UsageError(f"artifact {art.qualified_name} lives in store {art.root}, but run {run.path} "
                             f"records into {root}; load it from the run's store")
    else:
        art = _load(root, str(artifact_or_name), run.project, type)
    if type is not None and art.type != type:
        raise UsageError(f"artifact {art.qualified_name} has type {art.type!r}, not {type!r}")
    assert art.project is not None and art._version is not None
    doc = registry.add_use(Catalog(root), art.project, art.base_name, art._version, run.id, custom)
    art._doc = doc
    art.aliases = registry.aliases_of(doc, art._version)
    return art


def _active(what: str) -> Any:
    from ..core.session import active_run
    run = active_run()
    if run is None:
        raise NoActiveRunError(f"py_tracker.{what}() was called before py_tracker.init(); "
                               f"call py_tracker.init(project=...) first, or use run.{what}()")
    return run


def log_artifact(artifact_or_path: Any, name: str | None = None, type: str | None = None,
                 aliases: Any = None, tags: Any = None) -> Artifact:
    """`run_log_artifact` on the active run."""
    return run_log_artifact(_active("log_artifact"), artifact_or_path, name=name, type=type, aliases=aliases)


def use_artifact(artifact_or_name: Any, type: str | None = None, aliases: Any = None,
                 use_as: str | None = None) -> Artifact:
    """`run_use_artifact` on the active run."""
    return run_use_artifact(_active("use_artifact"), artifact_or_name, type=type, aliases=aliases)


def _load(root: Path, ref: str, default_project: str | None, type_: str | None) -> Artifact:
    project, name, alias = parse_ref(ref, default_project)
    catalog = Catalog(root, readonly=True)
    docs = [d for d in registry.all_docs(catalog, project) if d["name"] == name]
    if not docs and project is not None and default_project == project and ref.count("/") == 0:
        docs = [d for d in registry.all_docs(catalog) if d["name"] == name]  # name only: any project
    if not docs:
        where = f"project {project!r}" if project else str(root)
        raise UsageError(f"no artifact named {name!r} in {where}; log it first "
                         f"(run.log_artifact) or check the name with Api().artifacts()")
    if len(docs) > 1:
        raise UsageError(f"artifact name {name!r} exists in projects "
                         f"{sorted(d['project'] for d in docs)}; say which: 'project/{name}:{alias}'")
    doc = docs[0]
    entry = registry.find_version(doc, alias)
    if entry is None:
        known = sorted(doc.get("aliases") or {}) + [f"v{v['version']}" for v in doc.get("versions") or []]
        raise UsageError(f"artifact {doc['id']} has no version or alias {alias!r}; known: {known}")
    if type_ is not None and doc["type"] != type_:
        raise UsageError(f"artifact {doc['id']} has type {doc['type']!r}, not {type_!r}")
    return Artifact._from_doc(root, doc, entry)


def load_artifact(api: Any, name: str, type: str | None = None) -> Artifact:
    """`Api().artifact("project/name:alias")`: one stored version."""
    return _load(Path(api.root), name, None, type)


def list_artifacts(api: Any, project: str | None = None, type: str | None = None) -> list[Artifact]:
    """`Api().artifacts(project, type)`: every stored version, by project, name, newest first."""
    if project is not None and "/" in project:
        project = project.rstrip("/").split("/")[-1]
    out = []
    docs = registry.all_docs(Catalog(api.root, readonly=True), project)
    for doc in sorted(docs, key=lambda d: (d["project"], d["name"])):
        if type is not None and doc["type"] != type:
            continue
        for v in sorted(doc.get("versions") or [], key=lambda v: -v["version"]):
            out.append(Artifact._from_doc(Path(api.root), doc, v))
    return out
