"""`Artifact`: a versioned set of files (a dataset, a model), W&B's API.

A new `Artifact(name, type)` is a draft: `add_file`, `add_dir`, `add_reference`,
`new_file` and `remove` edit the list of what it will contain; nothing is read
or copied until `run.log_artifact(artifact)` stores it as version v0, v1, ...
Files are read at log time (the content logged is the content at that moment).
An artifact read back (`run.use_artifact`, `Api().artifact`) is one stored,
immutable version: `files()`, `download()`, `verify()`, `logged_by()`,
`used_by()`, `lineage()`, `delete()`, and `aliases`/`description`/`metadata`
changes saved with `save()`. `new_draft()` starts a new version from it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ..errors import UsageError
from . import names as _names
from .draft import DraftBuilder


@dataclass
class ArtifactFile:
    """One file of an artifact version (`artifact.files()`); `ref` is set for references."""

    name: str
    size: int
    digest: str
    ref: str | None = None
    _artifact: Any = None

    def download(self, root: str | os.PathLike[str] | None = None) -> Path:
        """Copy this one file into `root` (default: the artifact's download folder)."""
        from .transfer import download_entries
        return download_entries(self._artifact, root, only=[self.name]) / self.name


class Artifact(DraftBuilder):
    """A versioned dataset, model or any set of files. See the module docstring."""

    def __init__(self, name: str, type: str, description: str | None = None,
                 metadata: dict | None = None, incremental: bool = False, use_as: str | None = None):
        self._name = _names.check_name(name)
        self.incremental = bool(incremental)  # W&B: the new version keeps the previous version's files
        self._type = _names.check_type(type)
        self.description = description if description is None else str(description)
        self.metadata = _check_metadata(metadata)
        self.aliases: list[str] = []
        self._entries: dict[str, dict] = {}
        self._staging: Path | None = None
        # set once logged / loaded
        self._root: Path | None = None
        self._project: str | None = None
        self._version: int | None = None
        self._digest: str | None = None
        self._doc: dict | None = None
        self._manifest: dict[str, dict] | None = None

    # --- identity -------------------------------------------------------------
    @property
    def name(self) -> str:
        """'name' for a draft, 'name:vN' for a stored version (as W&B)."""
        return self._name if self._version is None else f"{self._name}:v{self._version}"

    @property
    def base_name(self) -> str:
        return self._name

    source_name = name

    @property
    def type(self) -> str:
        return self._type

    @property
    def version(self) -> str | None:
        return None if self._version is None else f"v{self._version}"

    @property
    def project(self) -> str | None:
        return self._project

    @property
    def qualified_name(self) -> str:
        return f"{self._project}/{self.name}" if self._project else self.name

    @property
    def id(self) -> str | None:
        return None if self._version is None else self.qualified_name

    @property
    def digest(self) -> str | None:
        return self._digest

    @property
    def state(self) -> str:
        return "PENDING" if self._version is None else "COMMITTED"

    @property
    def root(self) -> Path | None:
        return self._root

    @property
    def created_at(self) -> float | None:
        return None if self._doc is None else self._entry().get("created_at")

    @property
    def size(self) -> int:
        return sum(int(e.get("size") or 0) for e in self._contents().values() if "ref" not in e)

    @property
    def file_count(self) -> int:
        return len(self._contents())

    def is_draft(self) -> bool:
        return self._version is None

    def wait(self, timeout: Any = None) -> "Artifact":
        """Logging is synchronous here; kept for W&B compatibility."""
        return self

    def __repr__(self) -> str:
        return f"<Artifact {self.qualified_name} type={self._type} files={self.file_count}>"

    def _draft_only(self, what: str) -> None:
        if self._version is not None:
            raise UsageError(f"artifact {self.qualified_name} is a stored version and cannot change; "
                             f"call .new_draft() to start a new version before {what}()")

    def manifest_names(self) -> list[str]:
        return sorted(self._contents() if self._version is not None else self._entries)

    def new_draft(self) -> "Artifact":
        """A draft holding this version's files, to change and log as the next version."""
        if self._version is None:
            raise UsageError("new_draft() is for stored versions; this artifact is already a draft")
        d = Artifact(self._name, self._type, self.description, dict(self.metadata))
        for n, e in self._contents().items():
            d._entries[n] = dict(e) if "ref" in e else {"digest": e["digest"], "size": e["size"]}
        d._project, d._root = self._project, self._root
        return d

    # --- reading a stored version -------------------------------------------------------
    def _stored(self, what: str) -> None:
        if self._version is None:
            raise UsageError(f"artifact {self._name!r} has not been logged yet; {what}() needs a stored "
                             f"version: call run.log_artifact(artifact) first")

    def _entry(self) -> dict:
        assert self._doc is not None
        return next(v for v in self._doc["versions"] if v["version"] == self._version)

    def _contents(self) -> dict[str, dict]:
        if self._version is None:
            return self._entries
        if self._manifest is None:
            from .blobs import BlobStore
            assert self._root is not None and self._digest is not None
            self._manifest = BlobStore(self._root).read_manifest(self._digest)
        return self._manifest

    def files(self, names: list[str] | None = None, per_page: int = 50) -> list[ArtifactFile]:
        self._stored("files")
        out = []
        for n, e in sorted(self._contents().items()):
            if names is None or n in names:
                out.append(ArtifactFile(n, int(e.get("size") or 0), e["digest"], e.get("ref"), self))
        return out

    def get_entry(self, name: str) -> ArtifactFile:
        self._stored("get_entry")
        key = _names.entry_path(name)
        e = self._contents().get(key)
        if e is None:
            raise KeyError(f"artifact {self.qualified_name} has no file {name!r}; see .files()")
        return ArtifactFile(key, int(e.get("size") or 0), e["digest"], e.get("ref"), self)

    get_path = get_entry

    def get(self, name: str) -> Any:
        """A media object added with `add(obj, name)`, read back: a Table as a `Table` (W&B's),
        a JoinedTable/PartitionedTable as itself, an image as a PIL image, ..."""
        self._stored("get")
        import json
        key = _names.entry_path(name)
        hits = [n for n in self._contents() if n.startswith(key + ".") and n.endswith(".json")
                and n.count(".") == key.count(".") + 2]
        if not hits:
            raise KeyError(f"artifact {self.qualified_name} has no media object {name!r}; see .files()")
        folder = self.download()
        from ..media import Table, from_json
        doc = json.loads((folder / hits[0]).read_text(encoding="utf-8"))
        if doc.get("_type") == Table._type:
            return Table.load(doc, folder)  # a Table, as W&B's artifact.get
        return from_json(doc, folder)

    def download(self, root: str | os.PathLike[str] | None = None, allow_missing_references: bool = False,
                 skip_cache: bool | None = None, path_prefix: str | None = None) -> Path:
        """Copy the files into `root` (default `<store>/artifacts/downloads/<project>/<name>-vN`)."""
        self._stored("download")
        from .transfer import download_entries
        only = None
        if path_prefix:
            pre = _names.entry_path(path_prefix)
            only = [n for n in self._contents() if n == pre or n.startswith(pre + "/")]
        return download_entries(self, root, only=only, allow_missing_references=allow_missing_references)

    def file(self, root: str | os.PathLike[str] | None = None) -> Path:
        """Download a one-file artifact and return that file's path."""
        self._stored("file")
        names = list(self._contents())
        if len(names) != 1:
            raise UsageError(f"artifact {self.qualified_name} holds {len(names)} files; use download()")
        return self.download(root) / names[0]

    def verify(self, root: str | os.PathLike[str] | None = None) -> "Any":
        """Re-hash files and report differences (a `VerifyReport`, falsy when something differs).

        With `root`: a downloaded folder is checked (missing, changed, extra files).
        Without: the stored blobs (and file:// references) themselves are checked.
        """
        self._stored("verify")
        from .transfer import verify_entries
        return verify_entries(self, root)

    # --- lineage and bookkeeping ----------------------------------------------------------
    def logged_by(self) -> Any:
        """The run that logged this version (an ApiRun), or None."""
        self._stored("logged_by")
        rid = self._entry().get("logged_by")
        return _api_runs(self._root, [rid])[0] if rid else None

    def used_by(self) -> list:
        """The runs that used this version (ApiRun list, oldest first)."""
        self._stored("used_by")
        return _api_runs(self._root, self._entry().get("used_by") or [])

    def lineage(self, depth: int | None = None) -> dict:
        """The lineage graph around this version: {"nodes": [...], "edges": [...]}."""
        self._stored("lineage")
        from .lineage import lineage
        return lineage(self._root, artifact=self.qualified_name, depth=depth)

    def save(self) -> "Artifact":
        """Persist changes to `aliases`, `description` and `metadata` of a stored version."""
        self._stored("save")
        from . import registry
        from ..storage.catalog import Catalog
        aliases = _names.check_aliases(self.aliases)
        assert self._root is not None and self._project is not None and self._version is not None
        self._doc = registry.save_version(Catalog(self._root), self._project, self._name, self._version,
                                          aliases, self.description, _check_metadata(self.metadata))
        self.aliases = registry.aliases_of(self._doc, self._version)
        return self

    def delete(self, delete_aliases: bool = False) -> None:
        """Delete this version (refused while aliases point at it, unless delete_aliases=True)."""
        self._stored("delete")
        from . import registry
        from .blobs import BlobStore
        from ..storage.catalog import Catalog
        assert self._root is not None and self._project is not None and self._version is not None
        registry.delete_version(Catalog(self._root), BlobStore(self._root), self._project, self._name,
                                self._version, delete_aliases=delete_aliases)

    def to_dict(self) -> dict:
        d = {"name": self._name, "type": self._type, "project": self._project, "version": self.version,
             "digest": self._digest, "aliases": list(self.aliases), "description": self.description,
             "metadata": self.metadata, "files": self.file_count}
        if self._doc is not None:
            e = self._entry()
            d.update(size=e.get("size"), created_at=e.get("created_at"), logged_by=e.get("logged_by"),
                     used_by=list(e.get("used_by") or []))
        return d

    @classmethod
    def _from_doc(cls, root: Path, doc: dict, entry: dict) -> "Artifact":
        from .registry import aliases_of
        a = cls(doc["name"], doc["type"], entry.get("description"), entry.get("metadata") or {})
        a._root, a._project, a._doc = Path(root), doc["project"], doc
        a._version, a._digest = int(entry["version"]), entry["digest"]
        a.aliases = aliases_of(doc, a._version)
        return a


def _check_metadata(metadata: Any) -> dict:
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise UsageError(f"artifact metadata must be a dict; got {type(metadata).__name__}")
    try:
        return orjson.loads(orjson.dumps(metadata, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS))
    except TypeError as exc:
        raise UsageError(f"artifact metadata must hold JSON values (numbers, strings, lists, dicts): {exc}") from None


def _api_runs(root: Path | None, ids: list[str]) -> list:
    from ..api import Api
    api = Api(root)
    out = []
    for rid in ids:
        try:
            out.append(api.run(rid))
        except ValueError:
            continue  # the run was deleted since
    return out
