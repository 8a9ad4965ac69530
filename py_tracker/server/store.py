"""`StoreReader`: the queries behind the REST API, as plain Python (no tornado).

Reads go through `py_tracker.Api` (the catalog is replaced atomically, histories
are append-only, so a read never sees half a write). The only writes are the
ones the sidebar offers: stop requests, rename/tag/notes, delete.

Every file of a run this module opens, stats or writes goes through one check,
`self.confine` (`storage.paths.Confinement`): with symlinks resolved it must stay
inside the store root, else PathEscapeError (HTTP 403) — a symlinked output.log,
stop flag, heartbeat or run folder leading out is never followed.
"""
from __future__ import annotations

import codecs
import os
import re
import stat
import time
from collections import Counter
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ..api import Api, ApiRun
from ..api.filters import order_page
from ..errors import PathEscapeError
from ..storage.paths import Confinement, safe_join
from ..storage.records import RunState, effective_state, run_runtime
from .charts import chart_docs
from .errors import BadRequest, Conflict, NotFound
from .listing import RunListing, metric_keys, stat_values
from .media import media_docs
from .series import SeriesReader
from .sweeps import sweep_docs
from .sweepview import sweep_view
from .tables import table_docs

_RUNNING = RunState.RUNNING.value  # the plain text, for the listing loop

RUN_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
LIST_FIELDS = ("id", "name", "project", "group", "job_type", "tags", "notes", "state", "created_at",
               "updated_at", "heartbeat_at", "runtime", "sweep_id")
SORT_FIELDS = ("created_at", "updated_at", "name", "state", "runtime", "group", "job_type", "id")
MAX_LIMIT = 1000
LOG_CHUNK = 64 * 1024


def _scalars(d: Any) -> dict:
    """The JSON scalar entries of a summary (lists/media stay in the run detail). A metric
    declared with `define_metric(summary="min,last")` is stored as {"min": .., "last": ..}:
    its statistics are listed as "key.min", "key.last", the names the run list sorts by."""
    if not isinstance(d, dict):
        return {}
    out: dict = {}
    for k, v in d.items():
        if v is None or isinstance(v, (int, float, str, bool)):
            out[k] = v
        elif stat_values(v):
            for stat, x in v.items():
                out[f"{k}.{stat}"] = x
    return out


def _imported_mark(imported: Any) -> dict | None:
    """Where an imported run came from, as the run list shows it (`py-tracker import`):
    source, its id and path there, and how many parts of it could not be read. None for a
    run recorded here."""
    if not isinstance(imported, dict):
        return None
    problems = imported.get("problems")
    return {"source": str(imported.get("source") or ""), "id": imported.get("id"), "path": imported.get("path"),
            "problem_count": len(problems) if isinstance(problems, list) else 0}


class StoreReader:
    """Everything the handlers need, against one store root."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser()
        self.api = Api(self.root)
        self.confine = Confinement(self.root)
        self.series = SeriesReader(self)
        self.listing = RunListing(self.api.catalog)

    # --- helpers ------------------------------------------------------------------
    def record(self, run_id: str) -> dict:
        if not RUN_ID.match(run_id or "") or run_id in (".", ".."):
            raise NotFound(f"no run {run_id!r}: run ids are letters, digits, '_', '-', '.'")
        rec = self.api.catalog.get("runs", run_id)
        if rec is None:
            raise NotFound(f"no run {run_id!r} in {self.root}")
        return rec

    def run(self, run_id: str) -> ApiRun:
        return ApiRun(self.api, self.record(run_id))

    def _heartbeat(self, rec: dict) -> Path | None:
        try:
            return self.confine.check(self.api.layout.heartbeat(rec["id"]))
        except PathEscapeError:
            return None  # a heartbeat leading out of the store is not looked at: the record decides

    def _state(self, rec: dict) -> str:
        return effective_state(rec, lambda: self._heartbeat(rec))

    def _list_doc(self, rec: dict, now: float) -> dict:
        doc = {k: rec.get(k) for k in LIST_FIELDS}
        doc["state"] = state = self._state(rec)
        doc["tags"] = list(rec.get("tags") or [])
        doc["runtime"] = run_runtime(rec, state, now)
        doc["summary"] = _scalars(rec.get("summary"))
        alerts = rec.get("alerts") or []
        doc["alert_count"] = len(alerts)  # wandb.alert(): the sidebar marks runs that raised one
        doc["last_alert"] = alerts[-1] if alerts else None
        doc["imported"] = _imported_mark(rec.get("imported"))
        return doc

    # --- projects and runs ----------------------------------------------------------
    def projects(self) -> dict:
        """Each project with its run count and last activity, as `Api.projects()` gives them,
        from the kept listing: a page load does not pass over every run (1.4 s at 100k)."""
        with self.listing.lock:
            self.listing.sync()
            stats = self.listing.project_stats()
        out = []
        for p in sorted(self.api.catalog.all("projects"), key=lambda p: p.get("created_at") or 0):
            n, newest = stats.get(p["name"], (0, None))
            out.append({"name": p["name"], "created_at": p.get("created_at"), "run_count": n,
                        "last_activity": newest if n else p.get("created_at")})
        return {"projects": out}

    def runs(self, project: str | None = None, state: str | None = None, group: str | None = None,
             tag: str | None = None, sweep: str | None = None, search: str | None = None,
             sort: str = "created_at", order: str = "desc", offset: int = 0, limit: int = 50) -> dict:
        """One page of runs plus the total and the facets (groups, tags, state counts, and the
        numeric summary metrics the sidebar offers to sort by) of the project."""
        if sort not in SORT_FIELDS and not sort.startswith(("summary.", "config.")):
            raise BadRequest(f"cannot sort by {sort!r}; use one of {', '.join(SORT_FIELDS)}, "
                             f"summary.<key> or config.<key>")
        if order not in ("asc", "desc"):
            raise BadRequest(f"order must be 'asc' or 'desc', not {order!r}")
        if offset < 0 or not 1 <= limit <= MAX_LIMIT:
            raise BadRequest(f"need offset >= 0 and 1 <= limit <= {MAX_LIMIT}; got offset={offset} limit={limit}")
        needle = (search or "").strip().lower()
        now = time.time()
        if not (state or group or tag or sweep or needle) and sort not in ("state", "runtime"):
            return self._listed_page(project or None, sort, order == "desc", offset, limit, now)
        return self._scanned_page(project, state, group, tag, sweep, needle, sort, order, offset, limit, now)

    def _scanned_page(self, project: str | None, state: str | None, group: str | None, tag: str | None,
                      sweep: str | None, needle: str, sort: str, order: str, offset: int, limit: int,
                      now: float) -> dict:
        """`runs()` by one pass over every record (filters, and sorts by computed fields)."""
        groups: set[str] = set()
        tags: set[str] = set()
        metrics: set[str] = set()
        states: Counter[str] = Counter()
        hits: list[tuple[dict, str]] = []
        # One pass over the records as the catalog holds them (no copies); list documents
        # are built for the page only, so a page of 100k runs costs a scan and a top-k.
        for rec in self.api.catalog.scan("runs"):
            if project and rec.get("project") != project:
                continue
            st = rec.get("state", _RUNNING)
            if st == _RUNNING:  # only a running run needs its writer looked at (100k records: keep it cheap)
                st = self._state(rec)
            rgroup, rtags = rec.get("group"), rec.get("tags") or ()
            if rgroup:
                groups.add(str(rgroup))
            tags.update(str(t) for t in rtags)
            metrics.update(metric_keys(rec.get("summary")))
            states[st] += 1
            if state and st != state:
                continue
            if group and rgroup != group:
                continue
            if tag and tag not in rtags:
                continue
            if sweep and rec.get("sweep_id") != sweep:
                continue
            if needle and not self._matches(rec, {**rec, "tags": list(rtags)}, needle):
                continue
            hits.append((rec, st))
        if sort in ("state", "runtime"):  # fields the list document computes
            def source(hit: tuple[dict, str]) -> dict:
                rec, st = hit
                return {"state": st, "runtime": run_runtime(rec, st, now)}
        else:
            def source(hit: tuple[dict, str]) -> dict:
                return hit[0]
        page = order_page(hits, ("-" if order == "desc" else "+") + sort, offset, offset + limit, doc=source)
        return {"runs": [self._list_doc(rec, now) for rec, _ in page], "total": len(hits), "offset": offset,
                "limit": limit,
                "facets": {"groups": sorted(groups), "tags": sorted(tags), "states": dict(states),
                           "metrics": sorted(metrics)}}

    def _listed_page(self, project: str | None, sort: str, desc: bool, offset: int, limit: int,
                     now: float) -> dict:
        """`runs()` without filters, from `self.listing` (kept up to date from the journal):
        the facets are counts kept per project, the page a slice of a kept sorted list; only
        the running runs are looked at (their writer decides their state)."""
        with self.listing.lock:
            runs = self.listing.project(project)
            states = Counter(runs.states)
            for doc_id in runs.running:
                states[self._state(runs.members[doc_id][0])] += 1
            page = [runs.members[d][0] for d in runs.order(sort, desc).page(offset, offset + limit)]
            total = len(runs.members)
            facets = {"groups": sorted(runs.groups), "tags": sorted(runs.tags), "states": dict(states),
                      "metrics": sorted(runs.metrics)}
        return {"runs": [self._list_doc(rec, now) for rec in page], "total": total, "offset": offset,
                "limit": limit, "facets": facets}

    @staticmethod
    def _matches(rec: dict, doc: dict, needle: str) -> bool:
        for field in ("id", "name", "group", "job_type", "notes", "project"):
            v = doc.get(field)
            if v and needle in str(v).lower():
                return True
        if any(needle in str(t).lower() for t in doc["tags"]):
            return True
        config = rec.get("config")
        if config:
            try:
                return needle in orjson.dumps(config, default=str).decode().lower()
            except TypeError:
                return False
        return False

    def run_detail(self, run_id: str) -> dict:
        """The record, metadata.json and the run's files (those that stay inside the store)."""
        rec = self.record(run_id)
        doc = dict(rec)
        doc["state"] = state = self._state(rec)
        doc["runtime"] = run_runtime(rec, state)
        doc.setdefault("tags", [])
        base = self.api.layout.files_dir(run_id)
        try:
            with self.confine.open_read(base / "metadata.json") as f:
                doc["metadata"] = orjson.loads(f.read())
        except (OSError, ValueError):  # missing, unreadable, damaged or leading out of the store
            doc["metadata"] = {}
        return {"run": doc, "files": self._files(base)}

    def _files(self, base: Path, cap: int = 5000) -> list[dict]:
        """Name and size of each regular file under `base`, symlinks leading out left out."""
        out: list[dict] = []
        try:
            self.confine.check(base)
        except PathEscapeError:
            return out
        paths: list[Path] = []
        for folder, dirs, names in os.walk(base):  # never descends into a symlinked folder
            paths.extend(Path(folder, n) for n in names if not n.startswith("."))
        for p in sorted(paths):
            if len(out) >= cap:
                break
            try:
                st = self.confine.stat(p)
            except (OSError, PathEscapeError):
                continue
            if stat.S_ISREG(st.st_mode):
                out.append({"name": p.relative_to(base).as_posix(), "size": st.st_size})
        return out

    def charts(self, run_id: str) -> dict:
        """The run's custom charts (`wandb.plot.*`), newest value of each key, with their tables
        (see `py_tracker.server.charts`)."""
        rec = self.record(run_id)
        return {"charts": chart_docs(rec.get("summary"), self.api.layout.files_dir(run_id), self.confine)}

    def tables(self, run_id: str) -> dict:
        """The run's logged Tables (not custom charts), newest value of each key, with their rows
        (see `py_tracker.server.tables`)."""
        rec = self.record(run_id)
        return {"tables": table_docs(rec.get("summary"), self.api.layout.files_dir(run_id), self.confine)}

    def media(self, run_id: str) -> dict:
        """The run's logged images and histograms over its steps (see `py_tracker.server.media`)."""
        rec = self.record(run_id)
        return {"media": media_docs(rec.get("summary"), self.api.layout.history(run_id, "history"), self.confine)}

    # --- logs and files -------------------------------------------------------------
    def logs(self, run_id: str, offset: int | None = None, max_bytes: int = LOG_CHUNK) -> dict:
        """Captured output from byte `offset` (None: the last `max_bytes`), cut at whole characters."""
        run = self.run(run_id)
        if not 1 <= max_bytes <= 4 * 1024 * 1024:
            raise BadRequest("max_bytes must be between 1 and 4194304")
        try:
            f = self.confine.open_read(run.dir / "output.log")
        except FileNotFoundError:
            return {"text": "", "offset": 0, "next_offset": 0, "size": 0}
        with f:
            size = os.fstat(f.fileno()).st_size
            tail = offset is None or offset < 0
            start = max(0, size - max_bytes) if tail else (offset if offset <= size else 0)
            f.seek(start)
            data = f.read(max_bytes)
        skip = 0
        if tail and start > 0:
            nl = data.find(b"\n")
            skip = nl + 1 if 0 <= nl < len(data) - 1 else 0
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        text = decoder.decode(data[skip:], final=False)
        pending = len(decoder.getstate()[0])
        return {"text": text, "offset": start + skip, "next_offset": start + len(data) - pending, "size": size}

    def open_file(self, run_id: str, rel: str) -> tuple[BinaryIO, int]:
        """(open file, size) of `rel` inside the run's files folder; PathEscapeError when it
        would leave that folder or the store, NotFound when it is not a regular file."""
        run = self.run(run_id)
        path = safe_join(run.dir, rel)
        try:
            f = self.confine.open_read(path)
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise NotFound(f"run {run_id} has no file {rel!r}") from None
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            f.close()
            raise NotFound(f"run {run_id} has no file {rel!r}")
        return f, st.st_size

    # --- sweeps and artifacts ----------------------------------------------------------
    def sweeps(self, project: str | None = None) -> dict:
        return {"sweeps": sweep_docs(self, project=project)}

    def sweep(self, sweep_id: str, metric: str | None = None) -> dict:
        """The sweep, its trials (run list entries) and what the sidebar's sweep view draws
        (parallel axes, importance: `py_tracker.server.sweepview`), by `metric` or the sweep's."""
        docs = sweep_docs(self, sweep_id=sweep_id)
        if not docs:
            raise NotFound(f"no sweep {sweep_id!r} in {self.root}; the sidebar lists the sweeps there")
        trials = self.runs(sweep=sweep_id, limit=MAX_LIMIT)["runs"]
        # the trials' records by id (the listing found them): no pass over the whole store
        records = [r for r in (self.api.catalog.get("runs", t["id"]) for t in trials)
                   if r is not None and r.get("sweep_id") == sweep_id]
        return {"sweep": docs[0], "trials": trials, "view": sweep_view(self, docs[0], records, metric)}

    def artifacts(self, project: str | None = None) -> dict:
        docs = [a for a in self.api.catalog.all("artifacts") if not project or a.get("project") == project]
        docs.sort(key=lambda a: a.get("created_at") or 0, reverse=True)
        return {"artifacts": docs}

    def lineage(self, run_id: str) -> dict:
        """The run's artifact lineage, {"nodes", "edges"} (see `py_tracker.artifacts.lineage`)."""
        from ..artifacts import lineage
        self.record(run_id)  # NotFound (404) for an unknown or malformed id
        return lineage(self.root, run_id=run_id)

    # --- writes ------------------------------------------------------------------------
    def stop_run(self, run_id: str) -> dict:
        state = self._state(self.record(run_id))
        if state != RunState.RUNNING:
            raise Conflict(f"run {run_id} is {state}; only a running run can be stopped")
        self.request_stop(run_id)
        return {"ok": True, "state": "stopping"}

    def request_stop(self, run_id: str) -> None:
        """Write the run's stop flag inside the store (a symlink there is replaced, not followed)."""
        self.confine.write_atomic(self.api.layout.stop_flag(run_id), str(time.time()))

    def stop_sweep(self, sweep_id: str) -> dict:
        from .sweeps import request_sweep_stop
        if not sweep_docs(self, sweep_id=sweep_id):
            raise NotFound(f"no sweep {sweep_id!r} in {self.root}")
        return request_sweep_stop(self, sweep_id)

    def update_run(self, run_id: str, body: Any) -> dict:
        if not isinstance(body, dict) or not body:
            raise BadRequest('send a JSON object such as {"name": "...", "tags": ["a"], "notes": "..."}')
        unknown = set(body) - {"name", "tags", "notes"}
        if unknown:
            raise BadRequest(f"cannot change {sorted(unknown)}; only name, tags and notes can be edited")
        name, tags, notes = body.get("name"), body.get("tags"), body.get("notes")
        if name is not None and (not isinstance(name, str) or not name.strip() or len(name) > 256):
            raise BadRequest("name must be a non-empty string of at most 256 characters")
        if tags is not None and (not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags)):
            raise BadRequest("tags must be a list of non-empty strings")
        if notes is not None and not isinstance(notes, str):
            raise BadRequest("notes must be a string")
        run = self.run(run_id)
        try:
            run.update(name=name.strip() if name else None, tags=tags, notes=notes)
        except KeyError as exc:
            raise NotFound(str(exc)) from None
        return self.run_detail(run_id)

    def delete_run(self, run_id: str) -> None:
        run = self.run(run_id)
        self.confine.check(run.run_dir)  # never delete through a run folder leading out
        try:
            run.delete()
        except RuntimeError as exc:
            raise Conflict(str(exc)) from None
