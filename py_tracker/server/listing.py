"""`RunListing`: the server's runs list kept in memory, updated from the catalog's change feed.

The sidebar asks for "page 1 of project P sorted by summary.loss" every few seconds. A
scan of the store per request costs in proportion to the store (0.56 s at 100k runs);
here each project keeps its facet counts and, per sort asked for, its runs in order (a
list kept sorted with `bisect`), and every request first applies only what changed since
the last one (`Catalog.changes`: the journal tail of any process, read as every read
does). A reload of the catalog or more changes than the feed remembers rebuild it.

The order is exactly `api.filters.order_page` over the catalog's scan: numbers before
text, runs lacking the field last, ties in the catalog's order (each change moves a run to
the end, as the catalog's own dict does: `seq`). Running runs are kept apart: their shown
state depends on their writer, not on the journal, so the caller looks at them per request.
"""
from __future__ import annotations

import bisect
import gc
import threading
from contextlib import contextmanager
from collections import Counter, OrderedDict
from typing import Any, Iterator

from ..api.filters import MISSING, getter
from ..storage.catalog import Catalog

BULK_FREEZE = 5000  # a build over this many runs is moved out of the cyclic GC's way after
MAX_ORDERS = 4  # sorted lists kept per project (~10 MB each at 100k runs; the least recently asked is dropped)


SUMMARY_STATS = frozenset(("min", "max", "mean", "last", "first", "best"))


def stat_values(v: Any) -> bool:
    """Whether a summary value is the statistics of a metric declared with
    `define_metric(summary=...)`: a dict of `SUMMARY_STATS` names to numbers."""
    return (type(v) is dict and bool(v) and all(k in SUMMARY_STATS for k in v)
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v.values()))


def metric_keys(d: Any) -> list[str]:
    """The summary keys a run list can be sorted by: numeric values (not bools), not `_step`-like
    internals; a declared metric's statistics as "key.min", "key.last"... (sorting reads the
    dotted path into the stored {"min": ..})."""
    if not isinstance(d, dict):
        return []
    out = []
    for k, v in d.items():
        name = k if type(k) is str else str(k)
        if name.startswith("_"):
            continue
        if type(v) is float or type(v) is int or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            out.append(name)
        elif type(v) is dict and stat_values(v):
            out += [f"{name}.{stat}" for stat in v]
    return out


@contextmanager
def _bulk(n: int) -> Iterator[None]:
    """Build without the cyclic GC (the build makes only tuples, lists and dicts, no cycles:
    without this its collections walking the growing listing were ~40% of a 100k build), then
    freeze a large result out of its way, as `storage.journal` does with the catalog."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        if n >= BULK_FREEZE:
            gc.freeze()


class _Order:
    """One project's runs ordered by one field, one direction: `present` ascending by
    (kind, value, tie) — kind 0 numbers, 1 text; tie = seq, or -seq when descending, as the
    list is then read from the end — and `missing` (field absent or None) by seq."""

    def __init__(self, field: str, desc: bool):
        self.get = getter(field)
        self.desc = desc
        self.present: list[tuple] = []
        self.missing: list[tuple[int, str]] = []
        self.entry: dict[str, tuple] = {}

    def _make(self, doc_id: str, rec: dict, seq: int) -> tuple:
        v = self.get(rec)
        if v is MISSING or v is None:
            return (seq, doc_id)
        tie = -seq if self.desc else seq
        if type(v) is float or type(v) is int or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            return (0, v, tie, doc_id)
        return (1, str(v), tie, doc_id)

    def fill(self, members: dict[str, tuple[dict, int]]) -> None:
        make, entry = self._make, self.entry
        for doc_id, (rec, seq) in members.items():
            entry[doc_id] = make(doc_id, rec, seq)
        self.present = sorted(e for e in entry.values() if len(e) == 4)
        self.missing = sorted(e for e in entry.values() if len(e) == 2)

    def add(self, doc_id: str, rec: dict, seq: int) -> None:
        e = self.entry[doc_id] = self._make(doc_id, rec, seq)
        bisect.insort(self.missing if len(e) == 2 else self.present, e)

    def remove(self, doc_id: str) -> None:
        e = self.entry.pop(doc_id)
        where = self.missing if len(e) == 2 else self.present
        i = bisect.bisect_left(where, e)
        del where[i]

    def page(self, start: int, stop: int) -> list[str]:
        n = len(self.present)
        out = [self.present[n - 1 - j if self.desc else j][3] for j in range(start, min(stop, n))]
        return out + [doc_id for _, doc_id in self.missing[max(0, start - n):max(0, stop - n)]]


class ProjectRuns:
    """The runs of one project (or of all, project None) and their facet counts.

    `members` maps doc_id -> (record, seq); `states` counts the stored states of the runs
    not running; `running` holds the doc ids of those whose stored state is "running"."""

    def __init__(self) -> None:
        self.members: dict[str, tuple[dict, int]] = {}
        self.groups: Counter[str] = Counter()
        self.tags: Counter[str] = Counter()
        self.metrics: Counter[str] = Counter()
        self.states: Counter[str] = Counter()
        self.running: set[str] = set()
        self.orders: OrderedDict[tuple[str, bool], _Order] = OrderedDict()

    def _count(self, rec: dict, doc_id: str, sign: int) -> None:
        group = rec.get("group")
        if group:
            self.groups[str(group)] += sign
        for t in rec.get("tags") or ():
            self.tags[str(t)] += sign
        for k in metric_keys(rec.get("summary")):
            self.metrics[k] += sign
        st = rec.get("state", "running")
        if st == "running":
            (self.running.add if sign > 0 else self.running.discard)(doc_id)
        else:
            self.states[st] += sign
        if sign < 0:
            for counter in (self.groups, self.tags, self.metrics, self.states):
                for key in [k for k, n in counter.items() if n <= 0]:
                    del counter[key]

    def fill(self, items: list[tuple[str, tuple[dict, int]]]) -> None:
        """Add many runs at once ((doc_id, (record, seq)), seq ascending): `add` in bulk, with
        the counting done by `Counter.update` over lists (the first request of a project)."""
        members, running = self.members, self.running
        groups: list = []
        tags: list = []
        metrics: list[str] = []
        states: list = []
        for doc_id, entry in items:
            members[doc_id] = entry
            rec = entry[0]
            group = rec.get("group")
            if group:
                groups.append(group)
            t = rec.get("tags")
            if t:
                tags += t
            summary = rec.get("summary")
            if summary:
                metrics += metric_keys(summary)
            st = rec.get("state", "running")
            if st == "running":
                running.add(doc_id)
            else:
                states.append(st)
        self.groups.update(map(str, groups))
        self.tags.update(map(str, tags))
        self.metrics.update(metrics)
        self.states.update(states)
        for order in self.orders.values():
            order.fill(members)

    def add(self, doc_id: str, rec: dict, seq: int) -> None:
        self.members[doc_id] = (rec, seq)
        self._count(rec, doc_id, 1)
        for order in self.orders.values():
            order.add(doc_id, rec, seq)

    def remove(self, doc_id: str) -> None:
        rec, _ = self.members.pop(doc_id)
        self._count(rec, doc_id, -1)
        for order in self.orders.values():
            order.remove(doc_id)

    def order(self, field: str, desc: bool) -> _Order:
        key = (field, desc)
        order = self.orders.get(key)
        if order is None:
            order = self.orders[key] = _Order(field, desc)
            with _bulk(len(self.members)):
                order.fill(self.members)
            while len(self.orders) > MAX_ORDERS:
                self.orders.popitem(last=False)
        else:
            self.orders.move_to_end(key)
        return order


class RunListing:
    """Every run (doc_id -> (record, seq)) and, for each project asked for, its `ProjectRuns`
    (built on first request, then kept), brought up to date from the catalog on each call.
    Also each project's run count and last activity (the newest `updated_at`), kept as runs
    come, change and go, so the sidebar's project list does not pass over every run."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.lock = threading.Lock()
        self._mark: tuple[int, int] | None = None
        self._runs: dict[str, tuple[dict, int]] = {}
        self._projects: dict[str | None, ProjectRuns] = {}  # only those asked for
        self._stats: dict[Any, list[Any]] = {}  # project -> [run count, newest updated_at or None]
        self._stale: set[Any] = set()  # projects whose newest run went away: recount on demand
        self._seq = 0

    def sync(self) -> None:
        """Take in what changed in the catalog's runs since the last call (hold `self.lock`)."""
        mark, changes = self.catalog.changes("runs", self._mark)
        if changes is None:
            mark, docs = self.catalog.scan_with_ids("runs")
            with _bulk(len(docs)):
                ids, recs = zip(*docs) if docs else ((), ())
                self._runs = dict(zip(ids, zip(recs, range(len(ids)))))  # doc_id -> (record, seq)
            self._projects, self._seq = {}, len(docs)
            self._stats, self._stale = {}, set()
            for rec in recs:
                self._count(rec, 1)
        else:
            for doc_id, rec in changes.items():
                old = self._runs.get(doc_id)
                # gone from its project: deleted, or moved to another one
                moved = old is not None and rec is not None and old[0].get("project") != rec.get("project")
                self._remove(doc_id, gone=rec is None or moved)
                if rec is not None:
                    self._add(doc_id, rec)
        self._mark = mark

    def project_stats(self) -> dict[Any, tuple[int, Any]]:
        """project name -> (run count, newest `updated_at` or None), as of the last `sync()`
        (hold `self.lock`)."""
        for name in self._stale:
            newest = [r.get("updated_at") or 0 for r, _ in self._runs.values() if r.get("project") == name]
            if name in self._stats:
                self._stats[name][1] = max(newest, default=None)
        self._stale.clear()
        return {name: (n, newest) for name, (n, newest) in self._stats.items() if n > 0}

    def _count(self, rec: dict, delta: int, gone: bool = False) -> None:
        stat = self._stats.setdefault(rec.get("project"), [0, None])
        stat[0] += delta
        at = rec.get("updated_at") or 0
        if delta > 0 and (stat[1] is None or at > stat[1]):
            stat[1] = at
        elif gone and stat[1] is not None and at >= stat[1]:
            self._stale.add(rec.get("project"))  # (a run changed in place comes back at once: no recount)

    def project(self, name: str | None) -> ProjectRuns:
        """The runs of project `name` (all runs for None) as the catalog holds them now.
        Hold `self.lock` while using what it returns."""
        self.sync()
        runs = self._projects.get(name)
        if runs is None:
            runs = self._projects[name] = ProjectRuns()
            with _bulk(len(self._runs)):
                runs.fill(list(self._runs.items()) if name is None else
                          [item for item in self._runs.items() if item[1][0].get("project") == name])
        return runs

    def _buckets(self, rec: dict) -> list[ProjectRuns]:
        """The built listings a run belongs to: all runs, and its project's."""
        names = (None,) if rec.get("project") is None else (None, rec.get("project"))
        return [b for b in map(self._projects.get, names) if b is not None]

    def _add(self, doc_id: str, rec: dict) -> None:
        self._seq += 1
        self._runs[doc_id] = (rec, self._seq)
        self._count(rec, 1)
        for bucket in self._buckets(rec):
            bucket.add(doc_id, rec, self._seq)

    def _remove(self, doc_id: str, gone: bool = False) -> None:
        old = self._runs.pop(doc_id, None)
        if old is not None:
            self._count(old[0], -1, gone)
            for bucket in self._buckets(old[0]):
                bucket.remove(doc_id)
