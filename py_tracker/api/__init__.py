"""`Api`: read the store from any process (W&B's public API shape), never blocking writers."""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..storage.catalog import Catalog
from ..storage.index import LIGHT_FIELDS, IndexedRuns, IndexUnusable
from ..storage.paths import StoreLayout, default_root
from ..storage.records import RunState, effective_state
from .filters import compile_filter, order_by, order_page
from .run import ApiFile, ApiRun

__all__ = ["Api", "ApiRun", "ApiFile"]

log = logging.getLogger("py_tracker")

_UNREAD = object()
_rebuilding: set[str] = set()  # stores whose index this process is rebuilding
_rebuilding_lock = threading.Lock()


def _second(pair: tuple[Any, Any]) -> Any:
    return pair[1]


class Api:
    """Entry point for reading runs, projects, sweeps and artifacts.

    `root` is the store root (default: PY_TRACKER_DIR or ~/.py_tracker).
    Reads take no lock: the catalog is replaced atomically, histories are
    append-only, so a reader sees a consistent (possibly slightly old) view.

    This is the read layer that sweep, artifacts, report, server and notebook use; the
    public `py_tracker.Api` (`py_tracker.facade.api.Api`) adds W&B's conveniences that
    live in packages above it (`sweep()`, `artifact()`...). `run_class` is the class of the
    runs it returns (the facade sets its own); build them with `run_view(record)`.
    """

    run_class: type[ApiRun] = ApiRun

    def __init__(self, root: str | os.PathLike[str] | None = None, overrides: dict | None = None,
                 timeout: Any = None, api_key: Any = None):
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.layout = StoreLayout(self.root)
        self.catalog = Catalog(self.root, readonly=True)
        self._writable: Catalog | None = None
        self._indexed: IndexedRuns | None = None  # reads of a fresh process (see runs_page)

    def writable_catalog(self) -> Catalog:
        if self._writable is None:
            self._writable = Catalog(self.root)
        return self._writable

    # --- projects -------------------------------------------------------------
    def projects(self, entity: str | None = None) -> list[dict]:
        runs = self.catalog.all("runs")
        out = []
        for p in sorted(self.catalog.all("projects"), key=lambda p: p.get("created_at") or 0):
            mine = [r for r in runs if r.get("project") == p["name"]]
            out.append({"name": p["name"], "created_at": p.get("created_at"), "run_count": len(mine),
                        "last_activity": max((r.get("updated_at") or 0 for r in mine), default=p.get("created_at"))})
        return out

    # --- runs ------------------------------------------------------------------
    def _split(self, path: str) -> tuple[str | None, str]:
        parts = [p for p in str(path).split("/") if p]
        if not parts:
            raise ValueError("run path is empty; use 'project/run_id' or 'run_id'")
        if len(parts) >= 2 and parts[-2] == "runs":
            parts.pop(-2)
        return (parts[-2] if len(parts) >= 2 else None), parts[-1]

    def run(self, path: str) -> ApiRun:
        """One run by "project/id", "entity/project/id" or "id"."""
        project, run_id = self._split(path)
        rec = self._indexed_run(run_id) if not self.catalog.in_memory else _UNREAD
        if rec is _UNREAD:
            rec = self.catalog.get("runs", run_id)
        if rec is None or (project is not None and rec.get("project") != project):
            where = f"project {project!r}" if project else str(self.root)
            raise ValueError(f"no run {run_id!r} in {where}; list runs with `py-tracker runs` or Api().runs()")
        return self.run_view(rec)

    def run_view(self, record: dict) -> ApiRun:
        """A run read back from its catalog `record`, as this Api's `run_class`."""
        return self.run_class(self, record)

    def _indexed_run(self, run_id: str) -> Any:
        """The record from the runs index and the journal tail (a fresh process: `py-tracker
        show`), None when there is no such run, _UNREAD when the index cannot be used."""
        try:
            return self._index_view().find(run_id)
        except IndexUnusable:
            self._indexed = None
            return _UNREAD

    def _index_view(self) -> IndexedRuns:
        """This Api's reader of the runs index, brought up to date (the journal tail read)."""
        view = self._indexed
        if view is None:
            view = self._indexed = IndexedRuns(self.root)
        view.refresh()
        return view

    def runs(self, path: str | None = None, filters: dict | None = None, order: str = "+created_at",
             per_page: int | None = None, include_sweeps: bool = True, lazy: bool = True, *,
             project: str | None = None) -> list[ApiRun]:
        """Runs of `path` ("entity/project" or "project"; all projects when None), filtered
        MongoDB-style (W&B's fields, `createdAt` as ISO dates, `sweep` as an id), ordered by
        `order` (W&B's default "+created_at": oldest first)."""
        project = path if project is None else project
        if project is not None and "/" in project:
            project = project.rstrip("/").split("/")[-1]
        pred = compile_filter(filters) if filters else None
        recs = self.catalog.scan("runs")  # the records as held in memory: nothing is copied
        if project is not None:
            recs = [rec for rec in recs if rec.get("project") == project]
        if pred is not None:
            recs = [rec for rec in recs if pred(self._shown(rec))]
        order = order or "+created_at"
        by_state = order.lstrip("+-") == "state"  # sorting by state sorts by the effective one
        return [self.run_view(rec) for rec in order_by(recs, order, doc=self._shown if by_state else None)]

    def runs_page(self, project: str | None = None, order: str = "-created_at", offset: int = 0,
                  limit: int = 50, filters: dict | None = None) -> tuple[list[ApiRun], int]:
        """`runs(project, filters, order)[offset:offset + limit]` (all from `offset` when limit
        is 0) and how many runs that listing holds.

        In a process that has not read the catalog yet (`py-tracker runs`), a page without
        filters, ordered by one of the index's light fields, is answered from the runs index
        and the journal tail (`storage.index`): only the page's records are read from the
        snapshot. When the index cannot be used the catalog is read as usual, and a new
        snapshot with its index is written in the background where the store is writable.
        """
        if offset < 0 or limit < 0:
            raise ValueError(f"offset and limit must be >= 0; got offset={offset} limit={limit}")
        order = order or "+created_at"
        field = order.lstrip("+-") or "created_at"
        if project is not None and "/" in project:
            project = project.rstrip("/").split("/")[-1]
        if not filters and field in LIGHT_FIELDS and not self.catalog.in_memory:
            try:
                return self._indexed_page(project, order, offset, limit)
            except IndexUnusable as exc:
                log.info("py_tracker: listing from the whole catalog (%s)", exc)
                self._rebuild_index()
        runs = self.runs(project, filters=filters, order=order)
        return (runs[offset:offset + limit] if limit else runs[offset:]), len(runs)

    def _indexed_page(self, project: str | None, order: str, offset: int, limit: int) -> tuple[list[ApiRun], int]:
        try:
            state = self._index_view()
            field = order.lstrip("+-") or "created_at"
            shown = (lambda row: self._shown(row)["state"]) if field == "state" else None
            rows = state.values(project, field, shown)  # (doc_id, value): no dict per run
            value = _second
            page = (order_page(rows, order, offset, offset + limit, value=value) if limit
                    else order_by(rows, order, value=value)[offset:])
            return [self.run_view(state.record(doc_id)) for doc_id, _ in page], len(rows)
        except IndexUnusable:
            self._indexed = None
            raise

    def _rebuild_index(self) -> None:
        """Write a new snapshot and runs index in the background (a store made by an earlier
        version, or an index found unusable), one at a time per store; nothing to do for a
        read-only store."""
        if not self.layout.catalog.exists():
            return
        try:
            catalog = self.writable_catalog()
        except StorageError:
            return
        key = str(catalog.layout.root)
        with _rebuilding_lock:
            if key in _rebuilding:
                return
            _rebuilding.add(key)

        def work() -> None:
            try:
                catalog.compact()
            except Exception as exc:  # the catalog itself is fine; the next snapshot writes an index
                log.warning("py_tracker: could not rebuild the catalog index: %s", exc)
            finally:
                with _rebuilding_lock:
                    _rebuilding.discard(key)
        threading.Thread(target=work, name="py_tracker-catalog-index", daemon=False).start()

    def _shown(self, rec: dict) -> dict:
        """The record with the state a reader is shown: a "running" run whose writer is gone is
        "crashed" (only running runs are looked at; the others are returned as they are)."""
        if rec.get("state", RunState.RUNNING) != RunState.RUNNING:
            return rec
        return dict(rec, state=effective_state(rec, self.layout.heartbeat(rec["id"])))

    # --- W&B cloud features with no offline meaning: a clear error, never AttributeError
    def _cloud_only(self, what: str, instead: str) -> Any:
        from ..errors import UnsupportedError
        raise UnsupportedError(f"Api().{what} needs W&B's cloud and has no offline counterpart; {instead}")

    def team(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("team()", "there are no teams offline; share the store folder (PY_TRACKER_DIR)")

    create_team = team

    def user(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("user()", "there are no accounts offline")

    viewer = user

    def reports(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("reports()", "write an HTML report with py_tracker.report(...)")

    create_report = reports

    def create_run_queue(self, *a: Any, **k: Any) -> Any:
        return self._cloud_only("create_run_queue()", "run trials with py_tracker.agent() (W&B Launch is cloud-only)")

    @property
    def default_entity(self) -> str:
        from ..core.links import DEFAULT_ENTITY
        return DEFAULT_ENTITY
