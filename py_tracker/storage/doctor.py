"""`py-tracker doctor`: find and repair what crashes leave behind, never deleting data.

- a damaged catalog is kept aside (catalog.json.damaged-<time>) and replaced by
  its last good copy;
- run folders missing from the catalog (e.g. written after that copy) are
  re-registered from their files;
- runs stuck as "running" whose process is gone are marked "crashed", with
  their step count and last values recovered from the history;
- damaged history chunks (checksum mismatch, undecodable columns) are reported
  with their run, file and line; readers already skip them, so only that chunk's
  rows are missing, and the file is left as it is (nothing is deleted).
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .catalog import Catalog
from .history import damaged_chunks, last_step, read_chunks
from .paths import StoreLayout
from .records import effective_state


@dataclass
class DoctorReport:
    lines: list[str] = field(default_factory=list)
    problems: int = 0

    def problem(self, msg: str) -> None:
        self.problems += 1
        self.lines.append(f"problem: {msg}")

    def info(self, msg: str) -> None:
        self.lines.append(msg)


def _parses(path: Path) -> bool:
    try:
        data = path.read_bytes()
        return isinstance(orjson.loads(data), dict) if data.strip() else True
    except (OSError, ValueError):
        return False


def _last_values(path: Path) -> dict:
    out: dict = {}
    for doc in read_chunks(path):
        for k, col in doc["c"].items():
            if isinstance(col, dict):
                from .history import decode_column as _column
                col = _column(col).tolist()
            for v in reversed(col):
                if v is not None:
                    out[k] = v
                    break
    return out


def doctor(root: str | os.PathLike[str], repair: bool = True) -> DoctorReport:
    layout = StoreLayout(root)
    rep = DoctorReport()
    if not layout.root.exists():
        rep.info(f"no store at {layout.root} (nothing to check)")
        return rep
    cat_path = layout.catalog
    if cat_path.exists() and not _parses(cat_path):
        rep.problem(f"catalog {cat_path} is damaged")
        if repair:
            keep = cat_path.with_name(f"{cat_path.name}.damaged-{int(time.time())}")
            os.replace(cat_path, keep)
            bak = cat_path.with_name(cat_path.name + ".bak")
            if bak.exists() and _parses(bak):
                shutil.copyfile(bak, cat_path)
                rep.info(f"restored the catalog from its last good copy; the damaged file is kept as {keep.name}")
            else:
                rep.info(f"no good backup; rebuilding the catalog from run folders (damaged file kept as {keep.name})")
    catalog = Catalog(layout.root) if repair else Catalog(layout.root, readonly=True)
    known = {r["id"]: r for r in catalog.all("runs")}
    runs_dir = layout.root / "runs"
    for d in sorted(runs_dir.iterdir()) if runs_dir.exists() else []:
        if not d.is_dir() or d.name in known:
            continue
        rep.problem(f"run folder {d.name} is not in the catalog")
        if repair:
            hist = d / "history.jsonl"
            last = last_step(hist)
            meta = {}
            try:
                meta = orjson.loads((d / "files" / "metadata.json").read_bytes())
            except (OSError, ValueError):
                pass
            created = d.stat().st_mtime
            rec = {"id": d.name, "project": meta.get("project") or "recovered", "name": d.name,
                   "group": None, "job_type": None, "tags": ["recovered"], "notes": None, "config": {},
                   "summary": {k: v for k, v in _last_values(hist).items()}, "state": "crashed",
                   "created_at": created, "updated_at": created, "runtime": 0.0,
                   "last_step": last if last is not None else -1, "metrics": [], "dir": f"runs/{d.name}"}
            with catalog.transaction():
                catalog.put("runs", rec)
                catalog.insert_new("projects", {"name": rec["project"], "created_at": created})
            rep.info(f"re-registered run {d.name} as crashed in project {rec['project']!r}")
    for rec in catalog.all("runs"):
        if rec.get("state") == "running" and effective_state(rec, layout.heartbeat(rec["id"])) == "crashed":
            rep.problem(f"run {rec['project']}/{rec['id']} is marked running but its process is gone")
            if repair:
                hist = layout.history(rec["id"])
                last = last_step(hist)
                summary = dict(rec.get("summary") or {})
                summary.update(_last_values(hist))
                catalog.patch("runs", rec["id"], {"state": "crashed", "summary": summary,
                                                  "last_step": last if last is not None else rec.get("last_step", -1)})
                rep.info(f"marked run {rec['id']} crashed (steps recovered: {(last or -1) + 1})")
    check_history_chunks(layout, rep)
    if rep.problems == 0:
        rep.info(f"store {layout.root} is healthy ({len(known)} runs)")
    return rep


def check_history_chunks(layout: StoreLayout, rep: DoctorReport) -> None:
    """Report every damaged chunk of every run's history and system files (read-only)."""
    runs_dir = layout.root / "runs"
    if not runs_dir.is_dir():
        return
    for d in sorted(runs_dir.iterdir()):
        if not d.is_dir():
            continue
        for stream in ("history", "system"):
            path = layout.history(d.name, stream)
            for line, why in damaged_chunks(path):
                rep.problem(f"run {d.name}: {path.name} line {line} is a damaged chunk ({why}); "
                            f"its rows are skipped when reading, the rest of the history is intact")
