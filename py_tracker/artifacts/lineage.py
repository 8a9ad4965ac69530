"""The lineage graph: runs and artifact versions joined by input/output edges.

Edges come from the artifact documents: `logged_by`/`relogged_by` give
run → artifact ("output"), `used_by` gives artifact → run ("input"). Around a
starting node the graph holds its ancestors (what it was made from) and its
descendants (what was made from it), not unrelated siblings.
"""
from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..storage.catalog import Catalog
from . import registry
from .names import parse_ref


def _art_id(project: str, name: str, version: int) -> str:
    return f"artifact:{project}/{name}:v{version}"


def build_graph(root: str | os.PathLike[str], project: str | None = None) -> tuple[dict[str, dict], list[dict]]:
    """Every node and edge of the store (or of one project)."""
    catalog = Catalog(root, readonly=True)
    nodes: dict[str, dict] = {}
    edges: list[dict] = []
    runs = {r["id"]: r for r in catalog.all("runs")}

    def run_node(rid: str) -> str:
        nid = f"run:{rid}"
        if nid not in nodes:
            rec = runs.get(rid)
            nodes[nid] = {"id": nid, "kind": "run", "run_id": rid,
                          "label": (rec or {}).get("name") or rid,
                          "project": (rec or {}).get("project"), "job_type": (rec or {}).get("job_type"),
                          "state": (rec or {}).get("state"), "deleted": rec is None}
        return nid

    for doc in registry.all_docs(catalog, project):
        for v in doc.get("versions") or []:
            nid = _art_id(doc["project"], doc["name"], v["version"])
            nodes[nid] = {"id": nid, "kind": "artifact", "artifact": nid.split(":", 1)[1],
                          "name": doc["name"], "version": f"v{v['version']}", "type": doc["type"],
                          "project": doc["project"], "label": f"{doc['name']}:v{v['version']}",
                          "aliases": registry.aliases_of(doc, v["version"])}
            producers = ([v["logged_by"]] if v.get("logged_by") else []) + list(v.get("relogged_by") or [])
            for rid in producers:
                edges.append({"source": run_node(rid), "target": nid, "kind": "output"})
            for rid in v.get("used_by") or []:
                edges.append({"source": nid, "target": run_node(rid), "kind": "input"})
    return nodes, edges


def _reach(start: str, adj: dict[str, list[str]], depth: int | None) -> set[str]:
    seen = {start}
    queue = deque([(start, 0)])
    while queue:
        node, d = queue.popleft()
        if depth is not None and d >= depth:
            continue
        for nxt in adj.get(node, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append((nxt, d + 1))
    return seen


def lineage(root: str | os.PathLike[str] | None = None, run_id: str | None = None, artifact: Any = None,
            depth: int | None = None, project: str | None = None) -> dict[str, list[dict]]:
    """{"nodes": [...], "edges": [...]} around a run or an artifact version (whole store if neither).

    Nodes: {"id": "run:<id>", "kind": "run", "label", "project", "job_type", "state"} and
    {"id": "artifact:<project>/<name>:vN", "kind": "artifact", "label", "type", "aliases", ...}.
    Edges: {"source", "target", "kind": "input" (artifact → run) | "output" (run → artifact)}.
    `artifact` is an Artifact or "project/name:alias"; `depth` limits the hops each way.
    """
    from ..storage.paths import default_root
    root = Path(root) if root is not None else default_root()
    nodes, edges = build_graph(root, project)
    if run_id is None and artifact is None:
        return {"nodes": list(nodes.values()), "edges": edges}
    if run_id is not None:
        start = f"run:{run_id}"
        if start not in nodes:  # a run without artifacts is its own, lone lineage
            rec = Catalog(root, readonly=True).get("runs", run_id)
            if rec is None:
                raise UsageError(f"no run {run_id!r} in {root}")
            return {"nodes": [{"id": start, "kind": "run", "run_id": run_id, "label": rec.get("name") or run_id,
                               "project": rec.get("project"), "job_type": rec.get("job_type"),
                               "state": rec.get("state"), "deleted": False}], "edges": []}
    else:
        start = _start_of(root, artifact)
        if start not in nodes:
            raise UsageError(f"artifact {artifact!r} is not in {root}")
    return subgraph(nodes, edges, [start], depth)


def subgraph(nodes: dict[str, dict], edges: list[dict], starts: list[str], depth: int | None = None
             ) -> dict[str, list[dict]]:
    """Ancestors and descendants of every start node, with the edges on those paths."""
    fwd: dict[str, list[str]] = {}
    back: dict[str, list[str]] = {}
    for e in edges:
        fwd.setdefault(e["source"], []).append(e["target"])
        back.setdefault(e["target"], []).append(e["source"])
    keep: set[str] = set()
    out_edges: list[dict] = []
    seen_edges: set[tuple[str, str]] = set()
    for start in starts:
        up = _reach(start, back, depth)
        down = _reach(start, fwd, depth)
        keep |= up | down
        for e in edges:
            if ((e["source"] in up and e["target"] in up) or (e["source"] in down and e["target"] in down)) \
                    and (e["source"], e["target"]) not in seen_edges:
                seen_edges.add((e["source"], e["target"]))
                out_edges.append(e)
    return {"nodes": [nodes[n] for n in nodes if n in keep], "edges": out_edges}


def runs_lineage(root: str | os.PathLike[str], run_ids: list[str]) -> dict[str, list[dict]]:
    """The lineage around several runs at once (one read of the store): for reports."""
    nodes, edges = build_graph(root)
    return subgraph(nodes, edges, [f"run:{r}" for r in run_ids if f"run:{r}" in nodes])


def _start_of(root: Path, artifact: Any) -> str:
    if hasattr(artifact, "qualified_name") and getattr(artifact, "version", None):
        return f"artifact:{artifact.qualified_name}"
    project, name, alias = parse_ref(str(artifact))
    catalog = Catalog(root, readonly=True)
    docs = [d for d in registry.all_docs(catalog, project) if d["name"] == name]
    if len(docs) != 1:
        raise UsageError(f"artifact {artifact!r}: {'not found' if not docs else 'ambiguous'}; "
                         f"use 'project/name:version'")
    v = registry.find_version(docs[0], alias)
    if v is None:
        raise UsageError(f"artifact {artifact!r} has no version or alias {alias!r}")
    return _art_id(docs[0]["project"], name, v["version"])
