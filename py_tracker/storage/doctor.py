"""`py-tracker doctor`: find and repair what crashes leave behind, never deleting data.

- a damaged catalog snapshot (empty, not JSON, wrong shape) is kept aside
  (catalog.json.damaged-<time>-<pid>) and replaced by its last good copy, whose
  journal segments are still there;
- when the snapshot and its copy are both damaged, the catalog is rebuilt from the
  run folders (each holds its record in `record.json`) and every journal line left;
- damaged journal lines are reported;
- run folders missing from the catalog are re-registered from their files;
- runs stuck as "running" whose process is gone are marked "crashed", with
  their step count and last values recovered from the history;
- a runs index (`catalog.index`, see `storage.index`) that is damaged or describes
  another snapshot is reported and rebuilt (a new snapshot with its index is written);
- damaged history chunks (checksum mismatch, undecodable columns) are reported
  with their run, file and line; readers already skip them, so only that chunk's
  rows are missing, and the file is left as it is (nothing is deleted).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from .atomic import atomic_write
from .catalog import Catalog, reload_state
from .history import damaged_chunks, last_step, read_chunks
from .index import INDEX_NAME, check_index, index_path
from .journal import (
    MARK,
    TABLES,
    CatalogDamage,
    dumps,
    iter_journal,
    keep_damaged,
    key_field,
    parse_snapshot,
    segments,
)
from .paths import StoreLayout
from .records import RunState, create_run, effective_state, end_run


@dataclass
class DoctorReport:
    lines: list[str] = field(default_factory=list)
    problems: int = 0

    def problem(self, msg: str) -> None:
        self.problems += 1
        self.lines.append(f"problem: {msg}")

    def info(self, msg: str) -> None:
        self.lines.append(msg)


def _damage(path: Path) -> str | None:
    """Why the snapshot at `path` cannot be used, or None when it is good (or absent)."""
    try:
        parse_snapshot(path.read_bytes(), path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return str(exc)
    except CatalogDamage as exc:
        return str(exc)
    return None


def _bad_journal_lines(root: Path) -> int:
    bad = 0
    for n in segments(root):
        raw = (root / f"catalog.journal.{n}").read_bytes()
        end = raw.rfind(b"\n") + 1
        for line in raw[:end].splitlines():
            try:
                change = orjson.loads(line)
                if not (isinstance(change, dict) and "t" in change and "i" in change):
                    bad += 1
            except ValueError:
                bad += 1
    return bad


def _record_from_folder(d: Path) -> dict | None:
    try:
        rec = orjson.loads((d / "record.json").read_bytes())
    except (OSError, ValueError):
        return None
    return rec if isinstance(rec, dict) and rec.get("id") == d.name and rec.get("project") else None


def rebuild(layout: StoreLayout) -> int:
    """Write a new snapshot from the run folders and the journal lines left; returns runs found.

    The caller holds the catalog lock and has moved the damaged files aside.
    """
    tables: dict[str, dict[str, dict]] = {name: {} for name in TABLES}
    by_key: dict[str, dict[str, str]] = {name: {} for name in TABLES}

    def put(table: str, doc: dict | None, key: str) -> None:
        doc_id = by_key[table].get(key) or str(len(by_key[table]) + 1)
        if doc is None:
            tables[table].pop(doc_id, None)
            return
        by_key[table][key] = doc_id
        tables[table][doc_id] = doc

    runs_dir = layout.root / "runs"
    for d in sorted(runs_dir.iterdir()) if runs_dir.is_dir() else []:
        rec = _record_from_folder(d) if d.is_dir() else None
        if rec is not None:
            put("runs", rec, rec["id"])
    id_to_key: dict[tuple[str, str], str] = {}
    for change in iter_journal(layout.root):  # newer than the folders' copies where both exist
        table, doc = change["t"], change.get("d")
        if table not in tables:
            continue
        if doc is not None:
            key = doc.get(key_field(table))
            if isinstance(key, str):
                id_to_key[(table, str(change["i"]))] = key
                put(table, doc, key)
        elif (table, str(change["i"])) in id_to_key:
            put(table, None, id_to_key[(table, str(change["i"]))])
    for rec in list(tables["runs"].values()):
        if rec.get("project") and rec["project"] not in by_key["projects"]:
            put("projects", {"name": rec["project"], "created_at": rec.get("created_at")}, rec["project"])
    nxt = (segments(layout.root) or [-1])[-1] + 1
    body: dict = {MARK: {"segment": nxt, "offset": 0}}
    body.update(tables)
    atomic_write(layout.root / f"catalog.journal.{nxt}", b"", fsync=True)
    atomic_write(layout.catalog, dumps(body), fsync=True)
    return len(tables["runs"])


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


class _locked:
    """The catalog's file lock without reading the catalog (which may be unreadable)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    def __enter__(self) -> Catalog:
        self.catalog._acquire()
        return self.catalog

    def __exit__(self, *exc: object) -> None:
        self.catalog._flock.release()  # type: ignore[union-attr]


def doctor(root: str | os.PathLike[str], repair: bool = True) -> DoctorReport:
    layout = StoreLayout(root)
    rep = DoctorReport()
    if not layout.root.exists():
        rep.info(f"no store at {layout.root} (nothing to check)")
        return rep
    cat_path = layout.catalog
    bak = cat_path.with_name(cat_path.name + ".bak")
    damage = _damage(cat_path)
    if damage is None and not cat_path.exists() and bak.exists():
        damage = f"{cat_path.name} is missing"
    if damage is not None:
        rep.problem(f"catalog {cat_path} is damaged ({damage})")
        if repair:
            catalog = Catalog(layout.root)
            with _locked(catalog):
                kept = keep_damaged(cat_path) if cat_path.exists() else None
                note = f"; the damaged file is kept as {kept.name}" if kept else ""
                if bak.exists() and _damage(bak) is None:
                    os.link(bak, cat_path)
                    rep.info(f"restored the catalog from its last good copy{note}")
                else:
                    if bak.exists():
                        kept_bak = keep_damaged(bak)
                        note += f" (its damaged copy as {kept_bak.name if kept_bak else '?'})"
                    n = rebuild(layout)
                    rep.info(f"rebuilt the catalog from the run folders and the journal ({n} runs){note}")
            reload_state(layout.root)
        elif not bak.exists() or _damage(bak) is not None:
            rep.problem(f"its last good copy {bak.name} is {'damaged' if bak.exists() else 'missing'} too: "
                        f"`py-tracker doctor` (without --check) rebuilds the catalog from the run folders")
            return rep
    bad = _bad_journal_lines(layout.root)
    if bad:
        rep.problem(f"{bad} damaged line(s) in the catalog journal (skipped on reading; the records "
                    f"they held keep their previous version)")
    catalog = Catalog(layout.root) if repair else Catalog(layout.root, readonly=True)
    known = {r["id"]: r for r in catalog.all("runs")}  # read after any repair above
    runs_dir = layout.root / "runs"
    for d in sorted(runs_dir.iterdir()) if runs_dir.exists() else []:
        if not d.is_dir() or d.name in known:
            continue
        rep.problem(f"run folder {d.name} is not in the catalog")
        if repair:
            hist = d / "history.jsonl"
            last = last_step(hist)
            rec = _record_from_folder(d)
            if rec is not None:
                rec.setdefault("last_step", last if last is not None else -1)
            else:
                meta = {}
                try:
                    meta = orjson.loads((d / "files" / "metadata.json").read_bytes())
                except (OSError, ValueError):
                    pass
                created = d.stat().st_mtime
                rec = {"id": d.name, "project": meta.get("project") or "recovered", "name": d.name,
                       "group": None, "job_type": None, "tags": ["recovered"], "notes": None, "config": {},
                       "summary": {k: v for k, v in _last_values(hist).items()}, "state": RunState.CRASHED.value,
                       "created_at": created, "updated_at": created, "runtime": 0.0,
                       "last_step": last if last is not None else -1, "metrics": [], "dir": f"runs/{d.name}"}
            create_run(catalog, rec)
            rep.info(f"re-registered run {d.name} ({rec.get('state')}) in project {rec['project']!r}")
    for rec in catalog.all("runs"):
        if rec.get("state") == RunState.RUNNING and effective_state(rec, layout.heartbeat(rec["id"])) == RunState.CRASHED:
            rep.problem(f"run {rec['project']}/{rec['id']} is marked running but its process is gone")
            if repair:
                hist = layout.history(rec["id"])
                last = last_step(hist)
                summary = dict(rec.get("summary") or {})
                summary.update(_last_values(hist))
                end_run(catalog, rec["id"], RunState.CRASHED, summary=summary,
                        last_step=last if last is not None else rec.get("last_step", -1))
                rep.info(f"marked run {rec['id']} crashed (steps recovered: {(last or -1) + 1})")
    check_runs_index(layout, rep, repair)
    check_history_chunks(layout, rep)
    if rep.problems == 0:
        rep.info(f"store {layout.root} is healthy ({len(known)} runs)")
    return rep


def check_runs_index(layout: StoreLayout, rep: DoctorReport, repair: bool) -> None:
    """Report a runs index that readers cannot use (and rebuild it when repairing). A store
    whose snapshot has no index yet (written by an earlier version) only gets a note."""
    if not layout.catalog.exists():
        return  # no snapshot yet: the journal is the whole catalog, nothing to index
    why = check_index(layout.root)
    if why is None:
        return
    missing = not index_path(layout.root).exists()
    if missing:
        rep.info(f"the catalog has no runs index yet ({INDEX_NAME}); the next snapshot writes one")
    else:
        rep.problem(f"the runs index cannot be used: {why}; readers ignore it and read the whole catalog")
    if repair:
        Catalog(layout.root).compact()
        rep.info(f"wrote a new catalog snapshot with its runs index ({INDEX_NAME})")


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
